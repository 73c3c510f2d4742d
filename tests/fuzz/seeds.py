# SPDX-License-Identifier: AGPL-3.0-or-later
"""Real mail to mutate: the project's own test data, and ../shared/corpus when present."""

from __future__ import annotations

from functools import cache
from itertools import islice
from pathlib import Path

from archive.sources import SourceError, iter_source
from tests.conftest import DATA, LINUX_RTC, is_corpus_mail, shared_path

# linux-rtc holds 17,232 messages; the first few hundred already cover its
# charsets and transfer encodings, and reading further only costs time.
LINUX_RTC_SEEDS = 300


def _messages(path: Path) -> list[bytes]:
    try:
        return [mail.data for mail in iter_source(str(path))]
    except SourceError:
        return []


@cache
def project_seeds() -> tuple[bytes, ...]:
    """Every message in tests/data/** (mbox files split), in a stable order."""
    files = sorted(p for p in DATA.rglob("*") if p.is_file() and p.suffix != ".md")
    seeds = tuple(data for path in files for data in _messages(path) if data)
    assert seeds, f"no mail found under {DATA}"
    return seeds


@cache
def shared_seeds() -> tuple[bytes, ...]:
    """Every mail of ../shared/corpus plus the start of linux-rtc; skips when absent."""
    root = shared_path("corpus")
    files = sorted(p for p in root.rglob("*") if is_corpus_mail(p, root) and p.name != LINUX_RTC)
    seeds = [data for path in files for data in _messages(path) if data]
    rtc = root / LINUX_RTC
    if rtc.exists():
        seeds += [m.data for m in islice(iter_source(str(rtc)), LINUX_RTC_SEEDS)]
    return tuple(seeds)
