"""OrderDesk settings: read from the environment, in this one place.

Local defaults need no server: SQLite, kombu's filesystem broker and console e-mail.
Set DATABASE_URL and CELERY_BROKER_URL to use PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "accounts",
    "customers",
    "inventory",
    "orders",
    "followup",
    "revision",
    "portfolio",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it needs the authenticated user and refuses locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web server and the worker write at
    # once without "database is locked" (measured: see RECIPES.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler cost 1-2 s per queue query over 100k orders for no
    # gain on these short OLTP queries (measured: 0.3 s without it).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
        "DATABASE_TEST_NAME", default="test_orderdesk"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-in after repeated failures (django-axes), then the usual check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy: scripts and styles only from our own static files, so
# markup injected into a page cannot run (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
# collectstatic fills it; it exists before then so whitenoise has somewhere to look.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail ---------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="orders@orderdesk.test"
)

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's file transport needs one folder for in and out (RECIPES.md).
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"  # remote control ("inspect ping")
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
        # The file transport polls; at its default of 1 s the worker took two
        # tasks a second, so a new order's checks waited behind the demo e-mails.
        "polling_interval": 0.1,
    }
else:
    # An unacknowledged task (its worker died) is handed out again after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Keep Django's logging (and its personal-data filter) in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The console e-mail backend prints; that is not a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "resume-stalled-verifications": {
        "task": "orders.tasks.verification_resume_stalled_task",
        "schedule": 60.0,
    },
    "resume-queued-emails": {
        "task": "orders.tasks.communication_resume_queued_task",
        "schedule": 60.0,
    },
    "escalate-overdue-exceptions": {
        "task": "orders.tasks.exception_escalate_overdue_task",
        "schedule": 60.0,
    },
    "schedule-follow-ups": {
        "task": "followup.tasks.follow_ups_schedule_task",
        "schedule": 60.0,
    },
    "alert-overdue-follow-ups": {
        "task": "followup.tasks.follow_ups_alert_overdue_task",
        "schedule": 60.0,
    },
    "send-satisfaction-requests": {
        "task": "followup.tasks.follow_ups_send_requests_task",
        "schedule": 60.0,
    },
}

# --- Order processing -----------------------------------------------------------
ORDERDESK = {
    # An order left in "received" or "verifying" this long without progress has its
    # checks enqueued again, and a queued e-mail is sent again (the broker may have
    # been down when they were enqueued).
    "STALLED_VERIFICATION_SECONDS": env.int("ORDERDESK_STALLED_SECONDS", default=120),
    # How far back a same-customer order with the same lines counts as a duplicate.
    "DUPLICATE_WINDOW_DAYS": env.int("ORDERDESK_DUPLICATE_WINDOW_DAYS", default=14),
    "PAYMENT_GATEWAY": env.str("ORDERDESK_PAYMENT_GATEWAY", default="simulated"),
    # Fault-injection tests only (tests/integration): each verification check waits
    # this long before it is recorded, so a worker can be killed mid-round. Keep 0.
    "CHECK_PAUSE_SECONDS": env.float("ORDERDESK_CHECK_PAUSE_SECONDS", default=0.0),
    # How long an order may wait in each staff queue before it is shown as overdue,
    # counted from when it entered the queue's stage (receipt, hold, verification,
    # confirmation, dispatch, delivery). One unit each: "minutes", "hours", "days"
    # or "working_days" (Monday to Friday).
    "QUEUE_TARGETS": {
        "to-verify": {"hours": 2},
        "to-confirm": {"hours": 4},
        "to-fulfil": {"working_days": 1},
        "out-for-delivery": {"days": 3},
        "to-follow-up": {"days": 2},
        # Supervisors' queue: from when an exception was escalated to them.
        "escalated": {"hours": 1},
    },
    # An out-of-stock exception still open this long is escalated to a supervisor
    # (their "Escalated" queue). One unit, as for QUEUE_TARGETS; override with e.g.
    # ORDERDESK_OUT_OF_STOCK_ESCALATION=minutes=30.
    "OUT_OF_STOCK_ESCALATION": env.dict(
        "ORDERDESK_OUT_OF_STOCK_ESCALATION", cast={"value": int}, default={"hours": 4}
    ),
    # An overdue follow-up alerts its owner at once, then the supervisors if it is
    # still not recorded this long after (one unit, as for QUEUE_TARGETS).
    "FOLLOW_UP_SUPERVISOR_AFTER": env.dict(
        "ORDERDESK_FOLLOW_UP_SUPERVISOR_AFTER",
        cast={"value": int},
        default={"working_days": 1},
    ),
    # The address customers reach the site at: the feedback link in e-mails.
    "SITE_URL": env.str("ORDERDESK_SITE_URL", default="http://localhost:8000"),
    # A complaint's target resolution date: this many working days (Monday to
    # Friday) after it is opened.
    "COMPLAINT_TARGET_WORKING_DAYS": env.int(
        "ORDERDESK_COMPLAINT_TARGET_WORKING_DAYS", default=5
    ),
}

# --- Security (production: DJANGO_DEBUG=false) ------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: no personal data (config/logging.py redacts it) ---------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logging.RedactPersonalData"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of every PDF at INFO; keep its warnings only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
