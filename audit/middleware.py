"""Request id on every response; the request's audit events once its status is known.

Two layers. `RequestAuditMiddleware`, outermost, gives every request its `request.audit` and
every response its X-Request-ID. `AuditEventsMiddleware`, below the security headers, writes
the request's events: when the database is lost at that moment (the view may have answered),
the answer becomes the 503 of any lost database, and still passes every outer layer.
"""

import logging

from audit.context import RequestAudit
from audit.models import AuditEvent
from audit.services import build_event, record_many
from common.http import DATABASE_ERRORS, database_unavailable

Event = AuditEvent.Event
logger = logging.getLogger(__name__)


class RequestAuditMiddleware:
    """`request.audit` on the way in, X-Request-ID on every response on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        audit = RequestAudit.from_request(request)
        request.audit = audit
        response = self.get_response(request)
        response["X-Request-ID"] = audit.request_id
        return response


class AuditEventsMiddleware:
    """The request's audit events, in one INSERT, once the response status is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        audit = request.audit
        try:
            # A token request's events say only that the token was used: the cheaper commit.
            record_many(self.events_for(request, audit, response.status_code),
                        usage=audit.token is not None)
        except DATABASE_ERRORS as error:
            # No answer leaves without its events: the client retries, as for any lost database.
            logger.warning("Database unavailable (%s: %s) writing the audit events of request "
                           "%s: answered 503.", type(error).__name__, error, audit.request_id)
            return database_unavailable(request)
        return response

    def events_for(self, request, audit: RequestAudit, status: int) -> list[AuditEvent]:
        events = []
        if audit.token is not None:
            user = audit.token.user
            events.append(
                build_event(
                    Event.TOKEN_USED, actor=user, token=audit.token, request=request,
                    status=status,
                    details={**audit.usage_details(), "duration_ms": audit.elapsed_ms()},
                )
            )
            if status == 403:
                events.append(
                    build_event(Event.ACCESS_DENIED, actor=user, token=audit.token,
                                request=request, status=status)
                )
        elif audit.failure_reason is not None:
            failed = audit.failed_token
            events.append(
                build_event(
                    Event.AUTH_FAILED,
                    actor=getattr(failed, "user", None),
                    token=failed,
                    request=request,
                    status=status,
                    details={"reason": audit.failure_reason},
                )
            )
        elif status == 403:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                events.append(
                    build_event(Event.ACCESS_DENIED, actor=user, request=request, status=status)
                )
        return events
