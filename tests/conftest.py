"""Shared fixtures: the repository's own test mail and the optional shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

# The Chromium fixture for browser tests (tests/browser.py).
pytest_plugins = ["tests.browser"]

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "sample"


# What is mail in ../shared/corpus (its README.md): not the expected results,
# the git repositories, notes or patch templates, nor empty files.
NOT_MAIL_FOLDERS = {"expected", "repos"}
NOT_MAIL_SUFFIXES = {".md", ".template", ".patch"}
LINUX_RTC = "linux-rtc.mbox.gz"


def is_corpus_mail(path: Path, root: Path) -> bool:
    """Is ``path``, somewhere below the corpus folder ``root``, a mail source?"""
    parts = path.relative_to(root).parts
    return (
        path.is_file()
        and not NOT_MAIL_FOLDERS.intersection(parts[:-1])
        and not path.name.startswith(".")
        and path.suffix not in NOT_MAIL_SUFFIXES
        and path.stat().st_size > 0  # e.g. git-mailinfo/empty: nothing to read
    )


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is only present for developers and CI)")
    return path


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rendered pages and their stamps live
    there and must not leak between tests. (Login failures and rate-limit counts
    live in the database, in throttle_counter: rolled back after each test, or
    flushed after a transactional one, like every other table.)"""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ingest_file(db):
    """Ingest a file through the real pipeline (serially) and return the summary."""
    from archive.ingest import ingest
    from archive.sources import iter_source

    def run(path: Path | str, list_name: str | None = None):
        return ingest(iter_source(str(path)), list_override=list_name, workers=1)

    return run


@pytest.fixture
def without_body_trigger():
    """Archive migration 0036's trigger dropped meanwhile: it depends on the body column,
    whose type migration 0030 changes, and tests run 0030's steps on today's schema."""
    import importlib

    from django.db import connection

    kept = importlib.import_module("archive.migrations.0036_raw_without_body")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER message_body_kept ON archive_message")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(kept.FORWARD[-1])
