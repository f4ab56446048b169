"""VirtSec Portal settings: one module, every value from the environment (see .env.example)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from .env import (
    ConfigError,
    env_bool,
    env_choice,
    env_file,
    env_float,
    env_int,
    env_list,
    env_str,
)
from .env_checks import check_siem_settings, metrics_token, networks

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("PORTAL_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "SECRET_KEY is not set: production (DEBUG=false) needs a long random value, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-" + "x" * 20
elif len(SECRET_KEY) < 32:
    raise ConfigError("SECRET_KEY is shorter than 32 characters: use a long random value")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(_origin).scheme not in {"http", "https"}:
        raise ConfigError(f"CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with https://")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the widgets' templates, for FORM_RENDERER (portal/forms.py)
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (CSP 'self')
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "portal",
    "inventory",
    "operations",
    "compliance",
    "notifications",
    "metrics",  # top layer: reads every app, nothing imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "portal.middleware.BrowserMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.security.middleware.SessionLifetimeMiddleware",
    "portal.sso.middleware.DirectoryRecheckMiddleware",  # directory users disabled there: out
    "portal.security.middleware.TwoFactorMiddleware",
    "portal.access.DeclaredAccessMiddleware",  # deny by default: every view declares roles
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.DeniedAccessAuditMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "portal.urls"
FORM_RENDERER = "portal.forms.PortalFormRenderer"  # one look for every form: portal/forms.py
WSGI_APPLICATION = "portal.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
_DEFAULT_DB = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
_database_url = env_str("DATABASE_URL", _DEFAULT_DB)
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except Exception as exc:  # dj_database_url raises plain exceptions for unknown schemes
    raise ConfigError(
        f"DATABASE_URL cannot be parsed ({exc}): use postgres://USER@HOST:PORT/NAME or sqlite:///PATH"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing at once when web and worker share the file.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out user before the password is even checked.
# Local accounts before the directory: break-glass administrators log in while it is down.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Directory (LDAP / Active Directory) and single sign-on (OpenID Connect), each off unless its
# address is set; portal.sso.config reads and checks their variables (see .env.example).
from .sso.config import ldap_settings, oidc_settings  # noqa: E402

globals().update(ldap_settings())
globals().update(oidc_settings())
if LDAP_ENABLED:  # noqa: F821 - set just above
    AUTHENTICATION_BACKENDS.append("portal.sso.ldap.DirectoryBackend")
if OIDC_ENABLED:  # noqa: F821
    AUTHENTICATION_BACKENDS.append("portal.sso.oidc.SingleSignOnBackend")
# Lockout per (user name, address); the per-address rate limit below covers password spraying.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=2, maximum=100)
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.security.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.security.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_RATE_PER_MINUTE = env_int("LOGIN_RATE_PER_MINUTE", 20, minimum=1, maximum=10000)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "VirtSec Portal")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code (django-otp)
OTP_STATIC_THROTTLE_FACTOR = 1

_CACHE_URL = env_str("CACHE_URL")
if _CACHE_URL and urlsplit(_CACHE_URL).scheme not in {"redis", "rediss"}:
    raise ConfigError(f"CACHE_URL must start with redis:// (got {_CACHE_URL.split('@')[-1]!r})")
# Rate limits and login counters must be shared by every web process: the cache is Redis
# (CACHE_URL, else the broker's Redis when the broker is Redis). Only the embedded single-host
# default keeps a process-local cache, and `check --deploy` says so (portal.checks). The suite
# keeps locmem without CACHE_URL: tests clear the cache, which on the broker's db would flush
# the queue of the test worker.
_BROKER_ENV = env_str("CELERY_BROKER_URL")
if not _CACHE_URL and not TESTING and urlsplit(_BROKER_ENV).scheme in {"redis", "rediss"}:
    _CACHE_URL = _BROKER_ENV
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "portal-cache",  # apart from the broker's keys on a shared db
        }
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

if TESTING:
    # The suite creates hundreds of users; a slow hash there tests nothing about security.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not SQLite's in-memory test database: the suite's worker process shares it.
        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-portal.sqlite3")}

# --- I18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# Minimum patched builds and end-of-support dates of ESXi and vCenter (checks PAT-001..003);
# empty = the file shipped in compliance/data/. Point it at a refreshed copy of that file.
COMPLIANCE_LIFECYCLE_FILE = env_str("COMPLIANCE_LIFECYCLE_FILE", "")
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from STATICFILES_DIRS without a collectstatic step

# --- Security ---------------------------------------------------------------------------
HTTPS = env_bool("PORTAL_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portal.security.errors.csrf_failure"  # the styled 403 page
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the cookie age is then an idle timeout
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_MAX_HOURS", 12, minimum=1, maximum=168) * 3600
SECURE_SSL_REDIRECT = HTTPS and env_bool("PORTAL_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("PORTAL_BEHIND_PROXY", False) else None
)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Fernet keys for hypervisor secrets: the first encrypts, all decrypt (rotation).
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS")
if not ENCRYPTION_KEYS and not DEBUG:
    raise ConfigError(
        "ENCRYPTION_KEYS is not set: give one or more Fernet keys, comma-separated, e.g. "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )

OPERATION_RATE = env_str("OPERATION_RATE", "30/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", OPERATION_RATE):
    raise ConfigError(f"OPERATION_RATE={OPERATION_RATE!r} must look like 30/min (or /s, /h, /day)")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.auth.TokenAuthentication",
        "portal.security.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.roles.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
        "portal.security.scopes.ScopeFilterBackend",
    ],
    # Views opt in with throttle_classes = [portal.security.throttles.OperationThrottle].
    "DEFAULT_THROTTLE_RATES": {"operation": OPERATION_RATE},
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies nested deeper than portal.api.parsers.MAX_DEPTH answer 400, not 500.
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VirtSec Portal API",
    "DESCRIPTION": "Inventory, snapshot operations and M 4.349 compliance of virtual infrastructures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI from the installed sidecar package, never from a CDN: the
    # CSP allows scripts and styles from the portal alone (portal.middleware).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One clear name per choice set where several models use the same field name.
    "ENUM_NAME_OVERRIDES": {
        "RunStateEnum": "inventory.models.runs.SyncRun.Status",  # also Operation, CheckRun
        "EndpointKindEnum": "inventory.models.endpoint.Endpoint.Kind",
        "VirtualMachineKindEnum": "inventory.models.machines.VirtualMachine.Kind",
        "OperationKindEnum": "operations.models.Operation.Kind",
        "SampleObjectTypeEnum": "inventory.models.runs.UtilizationSample.ObjectType",
        "ConsoleSessionKindEnum": "inventory.models.consoles.ConsoleSession.Kind",
        "FindingObjectTypeEnum": "compliance.choices.ObjectType",
        "FindingStatusEnum": "compliance.choices.Status",
        "RequirementStatusEnum": "compliance.choices.RequirementStatus",
        # The Grundschutz-Check (issue 14): one name each for the documented status and the
        # protection need of the three goals.
        "ImplementationStatusEnum": "compliance.choices.Implementation",
        "ProtectionNeedEnum": "compliance.choices.ProtectionNeed",
        # The task log (issue 16): the kinds the apps register in portal.tasklog.
        "TaskKindEnum": "portal.api.tasks.TASK_KINDS",
    },
}
API_TOKEN_PEPPER = env_str("API_TOKEN_PEPPER", SECRET_KEY)

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL:
    if urlsplit(CELERY_BROKER_URL).scheme not in {"redis", "rediss", "amqp", "amqps"}:
        raise ConfigError(
            f"CELERY_BROKER_URL={CELERY_BROKER_URL.split('@')[-1]!r} has an unknown scheme: "
            "use redis://HOST:6379/0"
        )
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
    }
else:
    # Embedded default: one SQLite file under var/, served by a separate worker process
    # (portal.broker explains why not kombu's filesystem transport).
    CELERY_BROKER_URL = "portalqueue://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"path": str(BROKER_DIR / "broker.sqlite3")}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2, minimum=1, maximum=64)

# --- Portal behaviour -------------------------------------------------------------------
SNAPSHOT_DEFAULT_EXPIRY_HOURS = env_int(
    "SNAPSHOT_DEFAULT_EXPIRY_HOURS", 72, minimum=1, maximum=24 * 365
)
UTILIZATION_RETENTION_DAYS = env_int("UTILIZATION_RETENTION_DAYS", 30, minimum=1, maximum=3650)
SYNC_DEFAULT_INTERVAL_MINUTES = env_int(
    "SYNC_DEFAULT_INTERVAL_MINUTES", 15, minimum=1, maximum=1440
)
# Issue 17: scheduled syncs of platforms with a change feed (vCenter) store only what changed
# since the previous sync of the same worker process (inventory/services/incremental.py), and
# with INVENTORY_WATCH a watcher task per such endpoint stores changes within seconds
# (inventory/services/watch.py; each watcher occupies one worker slot).
INVENTORY_INCREMENTAL_SYNC = env_bool("INVENTORY_INCREMENTAL_SYNC", False)
INVENTORY_WATCH = env_bool("INVENTORY_WATCH", False)
# Issue 17: scheduled syncs of a platform whose connector keeps a read state (Proxmox VE) skip
# the per-guest reads whose inputs did not change since the stored state
# (inventory/services/read_state.py); a full read every INVENTORY_FULL_READ_EVERY syncs or
# INVENTORY_FULL_READ_HOURS hours, whichever comes first, is the safety net.
INVENTORY_CHEAP_RESYNC = env_bool("INVENTORY_CHEAP_RESYNC", True)
INVENTORY_FULL_READ_EVERY = env_int("INVENTORY_FULL_READ_EVERY", 24, minimum=1, maximum=10_000)
INVENTORY_FULL_READ_HOURS = env_int("INVENTORY_FULL_READ_HOURS", 24, minimum=1, maximum=24 * 30)
HYPERVISOR_TIMEOUT_SECONDS = env_float(
    "HYPERVISOR_TIMEOUT_SECONDS", 30.0, minimum=1.0, maximum=600.0
)

# --- Mail -------------------------------------------------------------------------------
# vSphere custom attribute a backup product writes the last backup's time into (BAK-001).
VSPHERE_BACKUP_ATTRIBUTE = env_str("VSPHERE_BACKUP_ATTRIBUTE", "Last Backup")

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "virtsec-portal@localhost")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
# The CA that signed the mail server's certificate (PEM), when it is not in the system's store.
EMAIL_CA_FILE = env_str("EMAIL_CA_FILE")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.dummy.EmailBackend"
)

# --- Notifications (the notifications app; docs/integration.md) -------------------------
# The CA that signed the webhook receivers' certificates (PEM); empty: the system's store.
NOTIFY_WEBHOOK_CA_FILE = env_str("NOTIFY_WEBHOOK_CA_FILE")
for _name, _file in (
    ("EMAIL_CA_FILE", EMAIL_CA_FILE),
    ("NOTIFY_WEBHOOK_CA_FILE", NOTIFY_WEBHOOK_CA_FILE),
):
    if _file and not Path(_file).is_file():
        raise ConfigError(f"{_name}={_file!r} is not a readable file (a PEM CA certificate)")
NOTIFY_TIMEOUT_SECONDS = env_float("NOTIFY_TIMEOUT_SECONDS", 10.0, minimum=1.0, maximum=120.0)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
# Retries wait base, 2x base, 4x base, ... seconds (exponential backoff).
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 30, minimum=1, maximum=3600)
# An endpoint is reported once its sync failed this many times in a row.
NOTIFY_SYNC_FAILURES = env_int("NOTIFY_SYNC_FAILURES", 3, minimum=1, maximum=100)
# The portal's address as people reach it, for links in mails and webhooks (e.g. https://portal.example.org).
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
# --- SIEM: every audit event as RFC 5424 syslog (portal.siem, docs/integration.md) ---------
SIEM_SYSLOG_HOST = env_str("SIEM_SYSLOG_HOST")
SIEM_SYSLOG_TRANSPORT = env_choice("SIEM_SYSLOG_TRANSPORT", "tls", {"tls", "udp"})
SIEM_SYSLOG_PORT = env_int(
    "SIEM_SYSLOG_PORT", 6514 if SIEM_SYSLOG_TRANSPORT == "tls" else 514, minimum=1, maximum=65535
)
SIEM_SYSLOG_CA_FILE = env_file("SIEM_SYSLOG_CA_FILE")
SIEM_SYSLOG_CLIENT_CERT = env_file("SIEM_SYSLOG_CLIENT_CERT")
SIEM_SYSLOG_CLIENT_KEY = env_file("SIEM_SYSLOG_CLIENT_KEY")
SIEM_SYSLOG_HOSTNAME = env_str("SIEM_SYSLOG_HOSTNAME")
SIEM_SYSLOG_ENTERPRISE_ID = env_int("SIEM_SYSLOG_ENTERPRISE_ID", 32473, minimum=1)
SIEM_SYSLOG_TIMEOUT = env_float("SIEM_SYSLOG_TIMEOUT", 10.0, minimum=1.0, maximum=300.0)
SIEM_SYSLOG_BATCH = env_int("SIEM_SYSLOG_BATCH", 500, minimum=1, maximum=10000)
SIEM_SYSLOG_GAP_SECONDS = env_int("SIEM_SYSLOG_GAP_SECONDS", 300, minimum=0, maximum=86400)
if SIEM_SYSLOG_HOST:
    check_siem_settings(
        SIEM_SYSLOG_HOST,
        SIEM_SYSLOG_TRANSPORT,
        SIEM_SYSLOG_CLIENT_CERT,
        SIEM_SYSLOG_CLIENT_KEY,
        SIEM_SYSLOG_CA_FILE,
    )

# --- Prometheus metrics at /metrics (metrics app, docs/integration.md) ----------------------
# Neither a token nor networks: /metrics refuses everyone (deny by default).
METRICS_TOKEN = metrics_token(env_file("METRICS_TOKEN_FILE"), env_str("METRICS_TOKEN"))
METRICS_ALLOWED_NETWORKS = networks(
    "METRICS_ALLOWED_NETWORKS", env_list("METRICS_ALLOWED_NETWORKS")
)

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logcontext.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # urllib3 debug lines can carry request headers; keep them quiet.
        "urllib3": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # django-axes reports every login at INFO; the audit trail already records them.
        "axes": {"level": "WARNING"},
    },
}
