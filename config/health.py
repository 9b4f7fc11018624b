"""Liveness and readiness probes."""

from django.db import Error, connection
from django.http import JsonResponse

from common.http import RETRY_AFTER_SECONDS


def healthz(request):
    """The process answers: never touches the database (stays 200 when the database is down)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database answers too: 503 with Retry-After when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error:  # unreachable, restarting, or not what it should be: not ready
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return JsonResponse({"status": "ok", "database": "ok"})
