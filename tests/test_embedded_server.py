"""The embedded PostgreSQL is given the settings config.database asks for (#21)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from config.database import (
    DEFAULT_PGDATA,
    EMBEDDED_SETTINGS,
    embedded_server_uri,
    tune_embedded_server,
)

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="a server given by DATABASE_URL keeps its own"
)


def _written(uri: str) -> dict[str, str]:
    with psycopg.connect(uri) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_file_settings "
            "WHERE sourcefile LIKE '%postgresql.auto.conf' AND applied IS NOT NULL"
        ).fetchall()
    return dict(rows)


def test_settings_are_written_and_the_reloadable_ones_in_force():
    uri = embedded_server_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM RESET checkpoint_timeout")  # as on a new server
    tune_embedded_server(uri)
    written = _written(uri)
    assert {name: written.get(name) for name in EMBEDDED_SETTINGS} == EMBEDDED_SETTINGS
    with psycopg.connect(uri) as conn:
        in_force = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("max_wal_size", "checkpoint_timeout")
        }
    assert in_force == {"max_wal_size": "4GB", "checkpoint_timeout": "15min"}


def test_tuning_again_rewrites_nothing():
    # Every process that starts tunes; the file is written only when a value differs.
    uri = embedded_server_uri()
    tune_embedded_server(uri)
    conf = Path(os.environ.get("THREADWORK_PGDATA", DEFAULT_PGDATA)) / "postgresql.auto.conf"
    before = conf.stat().st_mtime_ns
    tune_embedded_server(uri)
    assert conf.stat().st_mtime_ns == before
