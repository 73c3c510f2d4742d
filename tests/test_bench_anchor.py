# SPDX-License-Identifier: AGPL-3.0-or-later
"""The public-inbox side of `make bench` skips cleanly and reports ratios as measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import anchor


def _row(name: str, ours: tuple[float, float], theirs: tuple[float, float] | None) -> dict:
    def stats(p: tuple[float, float] | None) -> dict:
        return {"p50": p[0], "p99": p[1], "n": 10} if p else {"p50": 0.0, "p99": 0.0, "n": 0}

    phase = {"ours": stats(ours), "theirs": stats(theirs)}
    return {"name": name, "target": "t", "cold": phase, "warm": phase,
            "cold errors": [], "warm errors": []}  # fmt: skip


def test_skips_without_the_shared_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(anchor, "BUNDLE", tmp_path / "absent.bundle")
    monkeypatch.setattr(anchor.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    assert "absent.bundle is missing" in (anchor.skip_reason() or "")
    assert anchor.measure() == {"skipped": anchor.skip_reason()}


def test_skips_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anchor.shutil, "which", lambda tool: None if "httpd" in tool else tool)
    assert (anchor.skip_reason() or "").startswith("public-inbox-httpd not installed")


def test_section_gives_ratios_and_verdicts() -> None:
    result = {
        "version": "1.9.0-1", "index seconds": 90.0, "sample": 10, "when": "now",
        "throughput": None,
        "rows": [
            _row("message page", (3.0, 9.0), (6.0, 9.0)),
            _row("search", (8.0, 20.0), (4.0, 10.0)),
            _row("patch page", (16.0, 30.0), None),
        ],
    }  # fmt: skip
    text = anchor.section(result, 26.4)
    assert "| 26.4 s | 90.0 s |" in text
    assert "| message page | 3.0 | 6.0 | 0.50 | 9.0 | 9.0 | 1.00 | t | ok |" in text
    assert "| search | 8.0 | 4.0 | 2.00 | 20.0 | 10.0 | 2.00 | t | **behind** |" in text
    # No anchor: judged by its own cold target, 15 ms.
    assert "| patch page | 16.0 | - | - | 30.0 | - | - | t | **over** |" in text
    skipped = anchor.section({"skipped": "no package"}, None)
    assert "Not measured in this run: no package." in skipped
