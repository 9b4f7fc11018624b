"""Request id on every response; the request's audit events once its status is known."""

from audit.context import RequestAudit
from audit.models import AuditEvent
from audit.services import build_event, record_many

Event = AuditEvent.Event


class RequestAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        audit = RequestAudit.from_request(request)
        request.audit = audit
        response = self.get_response(request)
        response["X-Request-ID"] = audit.request_id
        # A token request's events say only that the token was used: the cheaper commit.
        record_many(self.events_for(request, audit, response.status_code),
                    usage=audit.token is not None)
        return response

    def events_for(self, request, audit: RequestAudit, status: int) -> list[AuditEvent]:
        events = []
        if audit.token is not None:
            user = audit.token.user
            events.append(
                build_event(
                    Event.TOKEN_USED, actor=user, token=audit.token, request=request,
                    status=status,
                    details={
                        "permissions": sorted(audit.permissions),
                        "duration_ms": audit.elapsed_ms(),
                    },
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
