"""Logging: one line per event on the console.

Django's own `django` logger gets no handler of its own (its records reach the root handler once,
instead of twice), and a 403 is one line: Django logs "Forbidden (Permission denied)" with the
exception's traceback, which says nothing a reader of the log needs.
"""

import logging


class OneLineForbidden(logging.Filter):
    """Drop the traceback from the log record of a 403 response."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


def config(level: str) -> dict:
    """The LOGGING dictionary: every record once, on stderr, one line each."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"one_line_forbidden": {"()": "config.logging.OneLineForbidden"}},
        "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.request": {"filters": ["one_line_forbidden"]},
            "django.server": {"handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }
