"""Django's own error answers: JSON under /api/ (with the request id), HTML elsewhere.

Whatever reaches these was not answered by a view: an address no pattern matches, a request
Django refuses (bad host, too many fields), a CSRF failure, an exception nobody handled. Django
logs an unhandled exception once, with its traceback, before `server_error` answers; the client
gets no detail. A lost database is a 503 with Retry-After wherever it is noticed.
"""

import logging
import sys

from django.utils.translation import gettext as _
from django.views import csrf, defaults
from rest_framework.exceptions import PermissionDenied

from common.http import DATABASE_ERRORS, database_unavailable, is_api, json_error

logger = logging.getLogger(__name__)


def bad_request(request, exception):
    if is_api(request):
        return json_error(request, 400, _("Bad request."), "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return json_error(request, 403, str(PermissionDenied.default_detail),
                          "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return json_error(request, 404, _("Not found."), "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The last resort: called by Django inside its handling of an uncaught exception."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    if is_api(request):
        return json_error(request, 500, _("Server error."), "server_error")
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if is_api(request):
        return json_error(request, 403, f"CSRF Failed: {reason}", "permission_denied")
    return csrf.csrf_failure(request, reason)

