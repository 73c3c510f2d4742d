"""Scratch databases of the benchmarks, on the embedded PostgreSQL server."""

from __future__ import annotations

import psycopg

from config.database import embedded_server_uri


def recreate_database(name: str) -> None:
    """Drop ``name`` (whoever is connected) and create it empty."""
    with psycopg.connect(embedded_server_uri(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_databases(*names: str) -> None:
    with psycopg.connect(embedded_server_uri(), autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
