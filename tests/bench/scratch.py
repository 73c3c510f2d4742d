"""Scratch databases of the benchmarks, on the embedded PostgreSQL server, and their limits."""

from __future__ import annotations

from collections.abc import MutableMapping

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


# The per-address limits on anonymous clients (throttle/), by environment variable.
ADDRESS_LIMITS = (
    "THREADWORK_API_ANON_RATE",
    "THREADWORK_ANON_SEARCH_RATE",
    "THREADWORK_ANON_SEARCH_MBOX_RATE",
    "THREADWORK_ANON_THREAD_MBOX_RATE",
)


def lift_address_limits(env: MutableMapping[str, str]) -> None:
    """Let one address make many requests a second (a benchmark is one client address).

    The counts are still taken, one query a request, as in production.
    """
    for name in ADDRESS_LIMITS:
        env.setdefault(name, "1000000/minute")
