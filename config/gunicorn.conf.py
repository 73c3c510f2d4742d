"""gunicorn settings for `make serve` (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

Every value comes from the environment so one file serves a laptop trial and
a production host behind a reverse proxy:

- ``PORT`` (8000) and ``BIND_HOST`` (127.0.0.1): where to listen. Loopback by
  default: the reverse proxy in front terminates TLS and talks to us locally.
- ``WEB_CONCURRENCY``: worker processes, default 2 x cores + 1 (gunicorn's
  advice for request handling that mostly waits on PostgreSQL).
- ``GUNICORN_THREADS`` (1): threads per worker; above 1 gunicorn uses its
  gthread worker.
- ``GUNICORN_TIMEOUT`` (60 s): a whole-thread mbox of a huge thread can take
  a while on a busy machine; anything slower is a bug worth a restart.
- ``GUNICORN_ACCESS_LOG``: a path, or ``-`` for standard output (off by default:
  the reverse proxy usually logs requests already).
"""

from __future__ import annotations

import multiprocessing
import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# Load Django once in the master: bad settings (say, no secret key) stop the
# start instead of looping worker boots, and workers share the loaded code.
preload_app = True
wsgi_app = "config.wsgi:application"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The proxy on this host may tell us the client's scheme (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 24+ opens a control socket at one fixed path per user; several
# servers on a host (a trial next to the load test) would fight over it.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Open the worker's database connection and prepare its statements now,
    not during its first requests (config/warmup.py)."""
    from config.warmup import warm_worker

    warm_worker()
