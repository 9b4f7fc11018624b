"""Settings for Programmatic Users: every value comes from the environment (API.md §6)."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_rate,
    env_scanning_keys,
    env_secret,
    env_signing_key,
    env_str,
)
from config.logging import config as logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", debug=DEBUG, dev_value="dev-insecure-secret-key-" + "x" * 40)
TOKEN_HASH_KEY = env_secret(
    "TOKEN_HASH_KEY", debug=DEBUG, dev_value="dev-insecure-token-hash-key-" + "y" * 36
)
# The audit log's Ed25519 signing key (PEM): AUDIT_SIGNING_KEY, or a file named by
# AUDIT_SIGNING_KEY_FILE; development generates one into the git-ignored var/ folder.
AUDIT_SIGNING_KEY = env_signing_key(
    "AUDIT_SIGNING_KEY", file_name="AUDIT_SIGNING_KEY_FILE", debug=DEBUG,
    dev_path=BASE_DIR / "var" / "audit-signing-key.dev.pem",
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "config.apps.ProductAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "guardian",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "accounts",
    "permissions",
    "projects",
    "tokens",
    "demo",
]

MIDDLEWARE = [
    "csp.middleware.CSPMiddleware",  # first: every answer carries the policy, errors included
    "audit.middleware.RequestAuditMiddleware",
    "tokens.middleware.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",  # before the guards: their refusals too
    # The request's audit events; a database lost here answers 503 with the headers above.
    "audit.middleware.AuditEventsMiddleware",
    # The admin's and the API docs' own files, served by the application itself (any server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "config.middleware.ApiGuardMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the django_language cookie or Accept-Language (LANGUAGES); English else.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (psycopg 3) through DATABASE_URL.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The owner role that `migrate` connects as (README: Deployment); the application's role, from
# DATABASE_URL, may only INSERT and SELECT the audit tables. Unset: migrations use DATABASE_URL.
_migrate_database_url = env_str("MIGRATE_DATABASE_URL", "")
MIGRATE_DATABASE = None
if _migrate_database_url:
    try:
        MIGRATE_DATABASE = dj_database_url.parse(_migrate_database_url)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"MIGRATE_DATABASE_URL is not a valid database URL: {exc}"
        ) from None
    if (MIGRATE_DATABASE["ENGINE"], MIGRATE_DATABASE["NAME"]) != (
        DATABASES["default"]["ENGINE"], DATABASES["default"]["NAME"]
    ):
        raise ImproperlyConfigured(
            "MIGRATE_DATABASE_URL must name the same database as DATABASE_URL (the owner's "
            "credentials for it)."
        )

# A database that does not answer must not hang a worker: give up connecting after this long
# (the request then answers 503 with Retry-After). libpq treats 1 as 2.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1, maximum=300)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Login (personal users only), then every permission question answered by the permission
# engine: it replaces Django's ModelBackend and guardian's ObjectPermissionBackend.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PersonalOnlyModelBackend",
    "permissions.backends.PermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Guardian: its anonymous user exists but is hidden from every picker (accounts.managers).
ANONYMOUS_USER_NAME = "AnonymousUser"
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# The admin and the product's own strings in English and Czech (locale/cs/), chosen per request
# from the browser's language; API error bodies keep their `code` in every language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cs", "Čeština")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Signed audit digests are written outside the database, through the "audit_digests" storage:
# a folder by default; any Django storage (e.g. S3 with object lock) by overriding STORAGES.
AUDIT_DIGEST_DIR = Path(env_str("AUDIT_DIGEST_DIR", "") or BASE_DIR / "var" / "audit-digests")
if not AUDIT_DIGEST_DIR.is_absolute():
    AUDIT_DIGEST_DIR = BASE_DIR / AUDIT_DIGEST_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # With DEBUG off, `collectstatic` writes compressed files with hashed names, which
    # WhiteNoise serves with far-future cache headers; in development they come from the apps.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
    "audit_digests": {
        "BACKEND": "audit.storage.DigestFileSystemStorage",
        "OPTIONS": {"location": str(AUDIT_DIGEST_DIR)},
    },
}

# Caches: local memory by default; Redis (shared by all processes) through REDIS_URL.
_redis_url = env_str("REDIS_URL", "")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            # A Redis that stops answering must not hold requests: the abuse limits fall back
            # to per-process counting after this long (common/counters.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 10_000}}}

# E-mail: console in development; EMAIL_URL (smtp://user:pass@host:port) or Django's own names.
_email_url = env_str("EMAIL_URL", "")
if _email_url:
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    if _parts.scheme not in {"smtp", "smtps", "submission"} or not _parts.hostname:
        raise ImproperlyConfigured(
            f"EMAIL_URL must look like smtp://user:password@host:port, not {_email_url!r}."
        )
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parts.hostname
    EMAIL_PORT = _parts.port or (465 if _parts.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_parts.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
    EMAIL_USE_SSL = _parts.scheme == "smtps"
    EMAIL_USE_TLS = _parts.scheme == "submission"
else:
    EMAIL_BACKEND = env_str(
        "EMAIL_BACKEND",
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend",
    )
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "programmatic-users@localhost")
# Reuse detection mails from the request path: a mail server that hangs must not hold it long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)

# Product settings (read at use through each app's settings object, never captured at import).
TOKEN_PREFIX = env_str("TOKEN_PREFIX", "pgu_")
TOKEN_DEFAULT_LIFETIME_DAYS = env_int("TOKEN_DEFAULT_LIFETIME_DAYS", 90, minimum=1)
TOKEN_MAX_LIFETIME_DAYS = env_int("TOKEN_MAX_LIFETIME_DAYS", 365, minimum=1)
if TOKEN_DEFAULT_LIFETIME_DAYS > TOKEN_MAX_LIFETIME_DAYS:
    raise ImproperlyConfigured(
        "TOKEN_DEFAULT_LIFETIME_DAYS must not exceed TOKEN_MAX_LIFETIME_DAYS."
    )
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
LEAK_REPORT_RATE = env_rate("LEAK_REPORT_RATE", "10/minute")
# Abuse limits (tokens/limits.py): failed Bearer authentications per client address, then 429
# before any database work; a default request limit per token (unset: none); active tokens per
# programmatic user; a rotated-out token presented after its grace revokes its family.
AUTH_FAILURE_RATE = env_rate("AUTH_FAILURE_RATE", "30/minute")
TOKEN_RATE = env_rate("TOKEN_RATE", None)
TOKEN_MAX_PER_USER = env_int("TOKEN_MAX_PER_USER", 10, minimum=1)
TOKEN_REUSE_DETECTION = env_bool("TOKEN_REUSE_DETECTION", True)
# The login limit (accounts/lockout.py): this many failed password logins for one username, or
# from one address, within LOGIN_LOCKOUT_MINUTES lock it for LOGIN_LOCKOUT_MINUTES (at most a week).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=7 * 24 * 60)
# Secret-scanning partner alerts (tokens/scanning.py): GitHub's public_keys document, inline or a
# path to it, checked here; unset, POST tokens/secret-scanning/ answers 404.
SECRET_SCANNING_KEYS = env_scanning_keys("SECRET_SCANNING_KEYS")
# How the request path commits usage events (token.used, access.denied of a token request):
# "async" commits them with synchronous_commit off on PostgreSQL (nothing is lost when a worker
# dies; a database crash can lose the last ~0.6 s of them), "sync" waits for the WAL flush.
# Token lifecycle events, failed authentications and every write's own event are always durable.
AUDIT_USAGE_COMMIT = env_str("AUDIT_USAGE_COMMIT", "async")
if AUDIT_USAGE_COMMIT not in ("async", "sync"):
    raise ImproperlyConfigured(
        f"AUDIT_USAGE_COMMIT must be async or sync, not {AUDIT_USAGE_COMMIT!r}."
    )
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"leak_report": LEAK_REPORT_RATE},
    "EXCEPTION_HANDLER": "common.exception_handler.exception_handler",
    # JSON only (415 otherwise); nesting bounded, NUL and lone surrogates refused.
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "common.renderers.BrowsableAPIRenderer",
    ],
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Programmatic Users API",
    "DESCRIPTION": "Least-privilege API tokens for programmatic users.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"TokenStatusEnum": "tokens.models.ApiToken.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.schema.add_error_responses",
    ],
}

# Security headers; production values unless DEBUG.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if TRUSTED_PROXY_COUNT > 0:
    # Only a trusted proxy's X-Forwarded-Proto may say the request came over HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "config.error_views.csrf_failure"
# Every page: nothing but this origin's own files (no inline script or style: the admin and the
# API docs load theirs from files; the browsable API alone may style inline, common.renderers);
# images may be data: URIs (the admin's and Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "img-src": [SELF, "data:"],
    },
}
# security.W021: HSTS preload is an opt-in decision for the domain's owner
# (SECURE_HSTS_PRELOAD=1). guardian.W001 asks for guardian's own backend, which
# permissions.backends.PermissionBackend replaces.
SILENCED_SYSTEM_CHECKS = ["security.W021", "guardian.W001"]

LOGGING = logging_config(env_str("LOG_LEVEL", "INFO"))
