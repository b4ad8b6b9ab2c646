"""The one settings module. Everything that differs between machines comes
from environment variables; the defaults are safe (DEBUG off) and local
(embedded SQLite, files under ./var)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
    SECRET_KEY = "insecure-local-development-key-not-for-any-real-deployment"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "simple_history",
    "axes",
    # Background tasks: django-tasks (the backport of django.tasks, for Django
    # 5.2) with its database backend; `manage.py db_worker` runs them.
    "django_tasks",
    "django_tasks_db",
    # The service's own apps, lowest layer first (docs/adr/0001-layers.md).
    "core",
    "accounts",
    "capability",
    "impact",
    "portfolios",
    "feedback",
    "organisations",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every sign-in.
    "axes.middleware.AxesMiddleware",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.service",
                "portfolios.navigation.navigation",
            ],
            # url_shapes replaces the built-in {% url %} with one that gives
            # the same addresses at a fraction of the cost (core/url_shapes.py).
            "builtins": ["core.templatetags.nhs_dates", "core.templatetags.url_shapes"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        # An empty DATABASE_URL (as `DATABASE_URL= make run` or a blank line in
        # an env file gives) means unset, not a URL with no scheme.
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query to machine code (JIT) when its estimated
    # cost is high. For an organisation-wide query of the ratings CSV that
    # compiling took 50 ms, to save a few: the queries here run in
    # milliseconds, which JIT is not for.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = (
        DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off"
    ).strip()

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default lets one writer in at a time. Without these, two
    # saves at once answer HTTP 500 "database is locked": WAL lets pages
    # read while another request writes, a write transaction takes its lock
    # when it begins (IMMEDIATE) rather than failing to upgrade a read lock
    # midway, and a writer waits up to 20 s for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reset links work for 3 days (the emails and pages say so).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60
LOGIN_URL = "login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Content Security Policy (django-csp): everything from this site only, no
# inline scripts or styles, no framing. Templates keep to it.
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
    },
}

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "build" / "static", BASE_DIR / "static"]
# WhiteNoise serves files whose names carry the manifest's content hash with
# "max-age=315360000, public, immutable": a changed file gets a new name, so a
# cached copy can never be stale. This is for the rest, served under their own
# names: a few that are reached without a hash (js/app.js imports
# nhsuk/nhsuk-frontend.min.js by a relative path, the web app manifest names
# its icons). After a deploy a browser may keep an old copy that long, so it
# is kept short; an hour still spares every page view a request. Off under
# DEBUG, where every static URL is unhashed and edits should show at once.
WHITENOISE_MAX_AGE = 0 if DEBUG else 60 * 60

# Uploaded evidence and export ZIPs are private: they live outside anything
# served as static or media, and are only ever sent through a view that
# checks permission, reading them through the storage (never a local path).
# DJANGO_STORAGE=s3 puts them in S3-compatible object storage, so that any
# number of app servers and task workers see the same files; otherwise they
# are files under PRIVATE_STORAGE_ROOT, which suits one machine only.
PRIVATE_STORAGE_ROOT = Path(os.environ.get("DJANGO_PRIVATE_STORAGE_ROOT", BASE_DIR / "var" / "private"))
DJANGO_STORAGE = os.environ.get("DJANGO_STORAGE", "filesystem").strip().lower() or "filesystem"
if DJANGO_STORAGE == "filesystem":
    default_storage_backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    }
elif DJANGO_STORAGE == "s3":
    if not os.environ.get("DJANGO_S3_BUCKET", "").strip():
        raise ImproperlyConfigured(
            "DJANGO_STORAGE=s3 needs DJANGO_S3_BUCKET, the name of the bucket that holds uploaded files."
        )
    # Credentials are not settings: boto3 finds them itself (AWS_ACCESS_KEY_ID
    # and AWS_SECRET_ACCESS_KEY, or an instance role), so none is ever here.
    default_storage_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_S3_BUCKET"].strip(),
            # For S3-compatible stores other than AWS (MinIO, Ceph, a
            # cloud provider's own); unset means AWS.
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            # Some S3-compatible stores only answer path-style requests.
            "addressing_style": os.environ.get("DJANGO_S3_ADDRESSING_STYLE") or None,
            # Lets one bucket hold several environments' files apart.
            "location": os.environ.get("DJANGO_S3_PREFIX", "").strip("/"),
            # Private objects: no ACL granted to anyone, and should a URL ever
            # be made it is signed and expires. Files reach people only
            # through the permission-checking views.
            "default_acl": None,
            "querystring_auth": True,
            # Never replace an existing object: names are random, so a clash
            # is a mistake, and overwriting would lose someone's evidence.
            "file_overwrite": False,
            # A file being read is downloaded whole first; past this size it
            # goes to a temporary file rather than memory (the default keeps
            # all of it in memory, and export ZIPs can be hundreds of MB).
            "max_memory_size": 2_621_440,
        },
    }
else:
    raise ImproperlyConfigured(f"DJANGO_STORAGE must be 'filesystem' or 's3', not {DJANGO_STORAGE!r}.")
STORAGES = {
    "default": default_storage_backend,
    "staticfiles": {
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}

# The default cache is per process. Anything that must hold across servers
# (the 360° rater links' rate limit, FEEDBACK_LINK_RATE_LIMIT) needs
# DJANGO_CACHE=database: every server shares one table in the one PostgreSQL.
# The table is made by `manage.py createcachetable` (part of `make db`).
DJANGO_CACHE = os.environ.get("DJANGO_CACHE", "local").strip().lower() or "local"
if DJANGO_CACHE == "local":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif DJANGO_CACHE == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # Past MAX_ENTRIES a third of the rows are deleted, live rate
            # limit counts among them; Django's 300 is too few for one count
            # per rater address across the country.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
else:
    raise ImproperlyConfigured(f"DJANGO_CACHE must be 'local' or 'database', not {DJANGO_CACHE!r}.")

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "no-reply@consultant-capability.local")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

CRISPY_ALLOWED_TEMPLATE_PACKS = ["nhsuk"]
CRISPY_TEMPLATE_PACK = "nhsuk"
CRISPY_FAIL_SILENTLY = not DEBUG

SERVICE_NAME = "Consultant capability portfolio"
# Who runs this installation and how people reach them, for the footer
# pages (privacy notice, accessibility statement, help). Each deployment
# sets its own; unset, the pages send people to their organisation.
SERVICE_OPERATOR = os.environ.get("SERVICE_OPERATOR", "")
SERVICE_CONTACT_EMAIL = os.environ.get("SERVICE_CONTACT_EMAIL", "")
# Where the service is reached, for links in emails sent outside a request
# (scheduled reminders). Requests use their own host.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Security headers. Cookies are only marked secure off DEBUG, so local
# http://127.0.0.1 still works.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# Behind a TLS-terminating proxy the scheme arrives in this header.
if env_bool("DJANGO_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; keep only its warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Evidence uploads. A request larger than all the files a form can carry is
# refused before Django reads it (config.middleware.RequestSizeLimitMiddleware).
EVIDENCE_MAX_FILE_SIZE = int(os.environ.get("EVIDENCE_MAX_FILE_SIZE", str(20 * 1024 * 1024)))
EVIDENCE_MAX_FILES = 5
# All the files of one practitioner's live portfolio: a pack of it must be
# something a panel can open, and the worker can build (docs/deploying.md).
PORTFOLIO_MAX_BYTES = int(os.environ.get("PORTFOLIO_MAX_BYTES", str(500 * 1024 * 1024)))
# A portfolio report of more evidence items than this is made by the worker,
# as every pack is, rather than while the person waits (reports.report_jobs).
REPORT_IN_REQUEST_MAX_EVIDENCE = int(os.environ.get("REPORT_IN_REQUEST_MAX_EVIDENCE", "60"))
# Files kept from failed evidence forms, per person: two forms' worth (two
# tabs), oldest dropped first beyond it; each kept for a day at most.
PENDING_UPLOADS_MAX_FILES = 2 * EVIDENCE_MAX_FILES
PENDING_UPLOADS_MAX_BYTES = 2 * EVIDENCE_MAX_FILES * EVIDENCE_MAX_FILE_SIZE
MAX_REQUEST_SIZE = EVIDENCE_MAX_FILES * EVIDENCE_MAX_FILE_SIZE + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# Invitation links to join an organisation stop working after this many days.
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))
# 360° feedback: a group of raters is reported only with at least this many
# responses (feedback/report.py).
FEEDBACK_MIN_GROUP_SIZE = max(2, int(os.environ.get("FEEDBACK_MIN_GROUP_SIZE", "3")))
# Rater links: attempts per address per 10 minutes before a pause.
FEEDBACK_LINK_RATE_LIMIT = int(os.environ.get("FEEDBACK_LINK_RATE_LIMIT", "30"))
# The same for evidence confirmers' links (portfolios/views/confirmer.py).
EVIDENCE_CONFIRMATION_RATE_LIMIT = int(os.environ.get("EVIDENCE_CONFIRMATION_RATE_LIMIT", "30"))

# Sign-in hardening: lock an account out after repeated failures (django-axes),
# end sessions after inactivity, and after an absolute limit whatever happens.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the roles with the person (accounts/backends.py).
    "accounts.backends.SignInBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
# Lock out by account, not by network address: many NHS staff reach the
# service from one trust's shared address, and locking that out would lock
# out a whole hospital. (axes.W006 warns about exactly this choice.)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# How many proxies (load balancers) stand between people and this server,
# so that the client's own address can be read from X-Forwarded-For
# (config/client_address.py): 0 when nothing does.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
