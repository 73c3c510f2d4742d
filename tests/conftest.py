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


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is only present for developers and CI)")
    return path


@pytest.fixture
def ingest_file(db):
    """Ingest a file through the real pipeline (serially) and return the summary."""
    from archive.ingest import ingest
    from archive.sources import iter_source

    def run(path: Path | str, list_name: str | None = None):
        return ingest(iter_source(str(path)), list_override=list_name, workers=1)

    return run
