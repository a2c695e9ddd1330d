"""Gongwu settings: every deployment choice comes from a validated GONGWU_* environment variable.

See README.md "Configuration" for the list. Production (GONGWU_DEBUG off, GONGWU_DEMO off) refuses to
start without a secret key and allowed hosts.
"""

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gongwu import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.text("GONGWU_VAR_DIR") or BASE_DIR / "var")

DEBUG = env.flag("GONGWU_DEBUG")
DEMO = env.flag("GONGWU_DEMO")
TESTING = env.flag("GONGWU_TESTING")


def _secret_key() -> str:
    key = env.text("GONGWU_SECRET_KEY")
    if key:
        if len(key) < 50:
            raise ImproperlyConfigured("GONGWU_SECRET_KEY must be at least 50 characters long.")
        return key
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured(
            "GONGWU_SECRET_KEY (or GONGWU_SECRET_KEY_FILE) must be set in production. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    return _generated_key("secret_key")


def _generated_key(name: str) -> str:
    """A key made once in VAR_DIR, for development, demo and tests only."""
    key_file = VAR_DIR / name
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()


def _audit_key() -> str:
    """The key of the change log's HMAC chain and checkpoints; never stored in the database."""
    key = env.text("GONGWU_AUDIT_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("GONGWU_AUDIT_KEY must be at least 32 characters long.")
        return key
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured(
            "GONGWU_AUDIT_KEY (or GONGWU_AUDIT_KEY_FILE) must be set in production, and kept out of the database. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    return _generated_key("audit_key")


GONGWU_AUDIT_KEY = _audit_key()
# Signed checkpoints of the change log's head, written outside the database (README "Change log").
GONGWU_AUDIT_CHECKPOINT_FILE = env.text("GONGWU_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.log")) or None
GONGWU_AUDIT_CHECKPOINT_SYSLOG = env.text("GONGWU_AUDIT_CHECKPOINT_SYSLOG") or None  # /dev/log or host:port

ALLOWED_HOSTS = env.words("GONGWU_ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or DEMO or TESTING) else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("GONGWU_ALLOWED_HOSTS must list the host names Gongwu is served on.")
CSRF_TRUSTED_ORIGINS = env.words("GONGWU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own static files (the CDN page breaks the CSP)
    "django_filters",
    "django_tables2",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "gongwu.core",
    "gongwu.projects",
    "gongwu.alerts",
    "gongwu.tenders",
    "gongwu.contracts",
    "gongwu.investment",
    "gongwu.inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gongwu.core.middleware.RequestIdMiddleware",
    "gongwu.core.middleware.CalendarWarningMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongwu.urls"
WSGI_APPLICATION = "gongwu.wsgi.application"
ASGI_APPLICATION = "gongwu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gongwu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongwu.core.context_processors.navigation",
                "gongwu.alerts.context_processors.notifications",
            ],
            "builtins": ["django.templatetags.i18n", "gongwu.core.templatetags.gongwu"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env.text("GONGWU_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gongwu.sqlite3'}",
        conn_max_age=env.integer("GONGWU_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Web requests run short queries; PostgreSQL's JIT compiled the portfolio summary's aggregates for
    # up to 250 ms longer than they ran (bench/projects.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.integer("GONGWU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("GONGWU_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
# Each on its own: five failures for one username (from any addresses) lock that username, five from one
# address (for any usernames) lock that address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "gongwu.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = not env.flag("GONGWU_AXES_DISABLED")

# Behind a reverse proxy the client's address is the right-most X-Forwarded-For hop that is not a trusted
# proxy (the proxy on this host by default); otherwise, or without the header, REMOTE_ADDR.
BEHIND_PROXY = env.flag("GONGWU_BEHIND_PROXY", True)
TRUSTED_PROXIES = env.networks("GONGWU_TRUSTED_PROXIES", "127.0.0.1,::1")

# The OpenAPI schema and its documentation page (/api/openapi.json, /api/docs): signed-in users only unless on.
GONGWU_API_DOCS_PUBLIC = env.flag("GONGWU_API_DOCS_PUBLIC", False)
# How long a process remembers a valid API token's user (seconds; 0: look it up on every request). Expiry is
# checked on every request; a revoked token or deactivated user is refused at once by the process that made
# the change, and by the others within this many seconds (gongwu/core/generic/token_cache.py).
GONGWU_API_TOKEN_CACHE_SECONDS = env.integer("GONGWU_API_TOKEN_CACHE_SECONDS", 30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gongwu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.text("GONGWU_STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "gongwu" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.text("GONGWU_MEDIA_ROOT") or VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
GONGWU_MAX_UPLOAD_MB = env.integer("GONGWU_MAX_UPLOAD_MB", 20, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = (GONGWU_MAX_UPLOAD_MB + 1) * 1024 * 1024

S3_BUCKET = env.text("GONGWU_S3_BUCKET")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.text("GONGWU_S3_ENDPOINT_URL"),
            "access_key": env.text("GONGWU_S3_ACCESS_KEY"),
            "secret_key": env.text("GONGWU_S3_SECRET_KEY"),
            "region_name": env.text("GONGWU_S3_REGION"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env.choice("GONGWU_TASKS_BACKEND", "immediate" if TESTING else "database", ("database", "immediate"))]
    }
}

EMAIL_HOST = env.text("GONGWU_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("GONGWU_EMAIL_PORT", 465)
    EMAIL_HOST_USER = env.text("GONGWU_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env.text("GONGWU_EMAIL_PASSWORD", "")
    EMAIL_USE_SSL = env.flag("GONGWU_EMAIL_USE_SSL", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.text("GONGWU_EMAIL_FROM", "gongwu@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.integer("GONGWU_SESSION_HOURS", 12, minimum=1) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not (DEBUG or DEMO or TESTING):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.flag("GONGWU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.integer("GONGWU_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.flag("GONGWU_HSTS_PRELOAD", False)
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HSTS preload is a commitment to browsers' preload lists the operator makes, not a default.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # ECharts and Tabler set inline styles
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-vcenter card-table table-striped"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("GONGWU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

GONGWU_API_PAGE_MAX = 1000
GONGWU_IMPORT_MAX_ROWS = env.integer("GONGWU_IMPORT_MAX_ROWS", 20000, minimum=1)
# What an imported .xlsx may unpack to (its zip members' sizes added up): refuses zip bombs before opening.
GONGWU_IMPORT_MAX_UNPACKED_MB = env.integer("GONGWU_IMPORT_MAX_UNPACKED_MB", 100, minimum=1)
