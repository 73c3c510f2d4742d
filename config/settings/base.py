"""Settings shared by every environment; each value that varies comes from the environment."""

from __future__ import annotations

import os

from config.database import BASE_DIR, database_settings, replica_settings


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


INSECURE_DEFAULT_KEY = "django-insecure-threadwork-development-only"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", INSECURE_DEFAULT_KEY)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "archive",
    "reviews",
    # Counters every worker shares: login lockout and per-client rate limits.
    "throttle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CSP, nosniff, Referrer-Policy, X-Frame-Options on every response (config/security.py).
    "config.security.SecurityHeadersMiddleware",
    # HTTP 400 for a NUL in the path or query string (config/inputguard.py).
    "config.inputguard.RefuseNulMiddleware",
    # Static files straight from the app (collected, hashed, compressed in prod).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTTP 503 instead of a 500 while the database is unreachable (config/middleware.py).
    "config.middleware.DatabaseUnavailableMiddleware",
    # Marks GET/HEAD requests whose reads may use a read replica (archive/dbrouting.py).
    "archive.dbrouting.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

# The Patchwork-compatible REST API (reviews/api/, CLIENTS.md section 1).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "reviews.api.pagination.LinkHeaderPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Anonymous clients (pwclient reads anonymously) are rate limited per
    # address, counted in PostgreSQL so every worker shares one count.
    "DEFAULT_THROTTLE_CLASSES": ["throttle.drf.SharedAnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THREADWORK_API_ANON_RATE", "600/minute"),
    },
}
# Default and largest page sizes of API lists (Patchwork: 30 and 250).
THREADWORK_API_PAGE_SIZE = int(os.environ.get("THREADWORK_API_PAGE_SIZE", 30))
THREADWORK_API_MAX_PAGE_SIZE = int(os.environ.get("THREADWORK_API_MAX_PAGE_SIZE", 250))
SPECTACULAR_SETTINGS = {
    "TITLE": "Threadwork API",
    "DESCRIPTION": "Patchwork-compatible REST API (git-pw, pwclient).",
    "VERSION": "1.3",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Its `check --deploy` hook builds a schema of the whole URLconf, where every
    # resource is mounted twice (/api/ and /api/1.x/) and so "collides"; the
    # served schema is built from /api/ alone (reviews/api/urls.py) and tested.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}
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

DATABASES = {"default": database_settings()}

# Rendered diffs, mail bodies and pages are cached per process (reviews/rendering,
# archive/views): a copy per worker is fine for them. Counts that must hold across
# workers (login lockout, rate limits) are never kept here but in PostgreSQL
# (the throttle app).
# Django's default of 300 entries would thrash on a real archive.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("THREADWORK_CACHE_ENTRIES", 20000))},
    }
}
# Persistent connections: a new one costs a backend start and cold catalog
# caches (a first query then plans in ~10 ms instead of ~0.5).
DATABASES["default"]["CONN_MAX_AGE"] = 600
# No SELECT 1 before each request's first query (a round trip on every page):
# a connection that died while idle fails its first query, and the request is
# run once more on a new connection (config/middleware.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# Read replicas from DATABASE_REPLICA_URL (comma-separated): reads of GET/HEAD
# requests go to one of them, everything else to "default" (archive/dbrouting.py).
THREADWORK_REPLICA_DATABASES: list[str] = []
for _alias, _replica in replica_settings().items():
    DATABASES[_alias] = {**_replica, "CONN_MAX_AGE": 600}
    THREADWORK_REPLICA_DATABASES.append(_alias)
DATABASE_ROUTERS = ["archive.dbrouting.ReplicaRouter"]
# Run in each gunicorn worker before its first request (config/warmup.py): the
# connection opened and the archive's statements prepared then, not for a visitor.
THREADWORK_WORKER_WARM_UP = [
    "archive.warmup.warm_connection",
    "reviews.warmup.warm_patch_page",
    "reviews.warmup.warm_lists",
    "reviews.warmup.warm_api_patch",
    "reviews.warmup.warm_queue",
]
# A client that just wrote reads from the primary for this long, so the page
# after a form post shows the change even while the replicas catch up.
THREADWORK_REPLICA_PIN_SECONDS = int(os.environ.get("THREADWORK_REPLICA_PIN_SECONDS", 10))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's username/password check, locking out repeated failures (reviews/auth.py).
AUTHENTICATION_BACKENDS = ["reviews.auth.ThrottledModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/user/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic puts files for whitenoise to serve (make serve).
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / ".data" / "static"

# Notification mails (manage.py notify) link to pages at this address.
THREADWORK_BASE_URL = os.environ.get("THREADWORK_BASE_URL", "http://localhost:8000")

# Ingestion: mail above this many bytes is quarantined, never dropped.
THREADWORK_MAX_MESSAGE_BYTES = int(os.environ.get("THREADWORK_MAX_MESSAGE_BYTES", 50 * 1024 * 1024))
# A file in git's .mailmap format that `manage.py mailmap` reads when named no
# file: the addresses it pairs are shown as one person (archive/people.py).
THREADWORK_MAILMAP = os.environ.get("THREADWORK_MAILMAP", "")

# The reverse proxy's own addresses: from these, the client is the last address
# of X-Forwarded-For (for the login lockout and the limits below).
THREADWORK_PROXY_ADDRESSES = env_list("THREADWORK_PROXY_ADDRESSES", "127.0.0.1,::1")
# Visitors who are not logged in are limited per address on the routes that
# cost the most (throttle/limits.py): "N/second|minute|hour|day", "" for none.
THREADWORK_ANON_RATES = {
    "search": os.environ.get("THREADWORK_ANON_SEARCH_RATE", "60/minute"),
    "search-mbox": os.environ.get("THREADWORK_ANON_SEARCH_MBOX_RATE", "10/minute"),
    "thread-mbox": os.environ.get("THREADWORK_ANON_THREAD_MBOX_RATE", "60/minute"),
}
# One mbox download of search results (POST /<list>/?x=m&q=) holds at most this
# many messages and bytes of raw mail; the response says when the limit cut it.
THREADWORK_SEARCH_MBOX_MESSAGES = int(os.environ.get("THREADWORK_SEARCH_MBOX_MESSAGES", 1000))
THREADWORK_SEARCH_MBOX_BYTES = int(os.environ.get("THREADWORK_SEARCH_MBOX_BYTES", 10 * 1024 * 1024))
# At most this many such downloads stream at once to visitors not logged in, in
# all workers together (throttle/slots.py); others get a 503 saying to retry.
THREADWORK_SEARCH_MBOX_CONCURRENT = int(os.environ.get("THREADWORK_SEARCH_MBOX_CONCURRENT", 2))

# Called once at process start, before the heap is frozen (config/heap.py):
# each builds something the first request would otherwise wait for. Named by
# dotted path so that config imports no app.
THREADWORK_WARM_UP: list[str] = ["reviews.rendering.highlight.warm_up"]

# Processors run on every ingested message (archive/processors.py): a pure
# analysis in the parsing workers, then a write inside the ingest transaction.
THREADWORK_MESSAGE_PROCESSORS: list[str] = ["reviews.processor.ReviewProcessor"]
