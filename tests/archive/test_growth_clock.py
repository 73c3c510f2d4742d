"""tests/bench/growth.py: a copy's ingest rate counts the mail stored, not the mail read.

Pure: a stand-in for ingest's summary and a hand-set clock, no database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from tests.bench import growth


@dataclass
class _Summary:
    read: int = 0
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def test_rates_follow_stored_mail_not_mail_handed_to_the_writers(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(growth.time, "perf_counter", lambda: now[0])
    clock = growth._CopyClock(per_copy=10, copies=2)
    # One batch of five handed over a second; the writers store each a
    # second after it was handed over, so stored mail trails mail read.
    marks = [(1, 5, 0, 0), (2, 10, 4, 1), (3, 15, 9, 1), (4, 20, 13, 2)]
    for second, read, new, duplicate in marks:
        now[0] = float(second)
        clock(_Summary(read=read, new=new, duplicate=duplicate))
    rates = clock.rates(total=20, seconds=5.0)
    # The first ten were stored at 3 s (read by 2 s), the last ten from 3 to 5 s.
    # The first copy is timed from the first mark with mail stored (5 at 2 s):
    # the second before it was the pipeline filling, which no later copy pays.
    assert rates["first copy msg/s"] == pytest.approx(5 / 1)
    assert rates["last copy msg/s"] == pytest.approx(10 / 2)
