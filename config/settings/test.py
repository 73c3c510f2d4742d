from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never run collectstatic: look static files up per request rather than
# scanning (and warning about) a STATIC_ROOT that does not exist.
WHITENOISE_AUTOREFRESH = True
# ... and find them where they live (a clean checkout has no STATIC_ROOT at all).
WHITENOISE_USE_FINDERS = True
# Tests make many anonymous API calls quickly: no limit, so nothing is counted
# either (a count is one query); tests/security/test_throttling.py checks the
# limit itself with a small rate.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None}}  # noqa: F405
# The same for the web routes limited per address.
THREADWORK_ANON_RATES = {scope: "" for scope in THREADWORK_ANON_RATES}  # noqa: F405
# The test client's address (127.0.0.1) is a client, not a reverse proxy: its
# X-Forwarded-For must not be believed (tests/security/test_throttling.py).
THREADWORK_PROXY_ADDRESSES = []
