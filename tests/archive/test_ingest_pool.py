# SPDX-License-Identifier: AGPL-3.0-or-later
"""The parse workers' pool does not busy-wait in the parent while results come in (#21).

multiprocessing's worker handler thread also waited on the results pipe and
looped while a large result was being read; ingest's pool waits only for
workers that exit and for changes to the pool.
"""

from __future__ import annotations

import os
import sys

import pytest

from archive import ingest as ingest_module

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _large(i: int) -> list[str]:
    return [str(i) * 200 for _ in range(5000)]  # about a megabyte pickled, as a chunk's outcomes


def _thread_cpu(native_id: int) -> float:
    with open(f"/proc/self/task/{native_id}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_worker_handler_sleeps_while_results_come_in() -> None:
    pool = ingest_module._start_pool(2)
    with pool:
        results = [pool.apply_async(_large, (i,)) for i in range(200)]
        assert all(len(r.get()) == 5000 for r in results)
        handler = _thread_cpu(pool._worker_handler.native_id)  # type: ignore[attr-defined]
    # The stock pool's handler spent about as much CPU as the result thread here (~2 s).
    assert handler < 0.1
