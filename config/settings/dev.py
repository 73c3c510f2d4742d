from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

# `make run` shows the site's own 404, 403 and 500 pages, as production does;
# DJANGO_DEBUG=1 brings back Django's debug pages with their tracebacks.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Static files straight from static/ (no collectstatic), picked up as they change.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Django prints request errors to the console only with DEBUG on: without
# this, a 500 under `make run` would leave no traceback to read.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}
