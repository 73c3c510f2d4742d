import os
from email.utils import getaddresses
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import INSECURE_DEFAULT_KEY, SECRET_KEY, env_bool

# DJANGO_SECRET_KEY_FILE names a file holding the key (a container secret, or
# the .data/secret_key that `make serve` generates once for a local trial).
if os.environ.get("DJANGO_SECRET_KEY_FILE") and SECRET_KEY == INSECURE_DEFAULT_KEY:
    SECRET_KEY = Path(os.environ["DJANGO_SECRET_KEY_FILE"]).read_text().strip()
if SECRET_KEY == INSECURE_DEFAULT_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "Production needs DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) set to a long "
        "random value (50 characters or more)."
    )

DEBUG = False
# collectstatic writes hashed and compressed copies of each file; whitenoise
# serves them with far-future cache headers.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's CompressedManifestStaticFilesStorage, URLs kept once worked out.
    "staticfiles": {"BACKEND": "config.staticstorage.StaticStorage"},
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto. `make serve` turns
# the redirect off (DJANGO_SECURE_SSL_REDIRECT=0) so plain http on loopback works.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Errors: Django alone logs request errors to the console only with DEBUG on,
# so a 500 left no trace. Here every warning and error, 500s with their
# tracebacks included, goes to standard error, which gunicorn writes to its
# error log (config/gunicorn.conf.py), and errors are mailed to ADMINS when
# DJANGO_ADMINS names any ("Ops <ops@example.org>, oncall@example.org").
_admins = getaddresses([os.environ.get("DJANGO_ADMINS", "")])
ADMINS = [(name, address) for name, address in _admins if address]
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", "threadwork@localhost")
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", 25))
# The sender of the mails to submitters (manage.py notify).
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", SERVER_EMAIL)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
        # Sends nothing while ADMINS is empty.
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stderr", "mail_admins"], "level": "WARNING", "propagate": False},
        # 404s and 400s are the client's business (and plenty under hostile
        # traffic): requests log from 500 up.
        "django.request": {
            "handlers": ["stderr", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
