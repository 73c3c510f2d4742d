# SPDX-License-Identifier: AGPL-3.0-or-later
"""An import runs with a larger young generation for Python's garbage collector (#21).

The parent's collections were a fifth of its CPU at 17k (docs/performance.md);
the setting must hold while mail is parsed and stored, reach the forked parse
workers, and be given back afterwards, even when the import fails.
"""

from __future__ import annotations

import gc

import pytest

from archive import ingest as ingest_module
from archive.ingest import GC_YOUNG, ingest
from archive.sources import iter_source
from tests.conftest import SAMPLE

SEED = SAMPLE / "alloc_pages_vma-thread.mbox"


@pytest.fixture
def default_threshold():
    previous = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*previous)


def _young_in_worker(raw: bytes | None) -> int:
    return gc.get_threshold()[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_with_the_larger_young_generation(default_threshold, monkeypatch) -> None:
    seen: list[tuple[int, int, int]] = []
    run = ingest_module._run

    def watching(*args, **kwargs):
        seen.append(gc.get_threshold())
        return run(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "_run", watching)
    summary = ingest(iter_source(str(SEED)), workers=2)
    assert summary.new > 0
    assert seen == [(GC_YOUNG, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)


def test_the_workers_inherit_it_and_it_is_given_back_after_a_failure(default_threshold) -> None:
    with ingest_module._young_generation(GC_YOUNG):
        pool = ingest_module._start_pool(2)
        with pool:
            assert pool.map(_young_in_worker, [None, None]) == [GC_YOUNG, GC_YOUNG]
    with pytest.raises(RuntimeError), ingest_module._young_generation(GC_YOUNG):
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_larger_setting_is_kept(default_threshold) -> None:
    gc.set_threshold(50_000, 10, 10)
    with ingest_module._young_generation(GC_YOUNG):
        assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_threshold() == (50_000, 10, 10)
