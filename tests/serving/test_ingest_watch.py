"""``ingest --watch MAILDIR``: mail delivered into new/ is archived, then moved to cur/."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.models import Message
from archive.watch import archived_name, watch
from tests.conftest import DATA

pytestmark = pytest.mark.django_db

INGEST = DATA / "ingest"
PARENT = INGEST / "reply-before-parent.parent.eml"
REPLY = INGEST / "reply-before-parent.reply.eml"


def maildir(root: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True)
    return root


def deliver(box: Path, source: Path, name: str) -> None:
    """What a delivery agent does: write into tmp/, then rename into new/."""
    shutil.copy(source, box / "tmp" / name)
    (box / "tmp" / name).rename(box / "new" / name)


def test_once_archives_new_mail_and_moves_it_to_cur(tmp_path: Path) -> None:
    box = maildir(tmp_path / "Maildir")
    deliver(box, PARENT, "1700000000.M1P1.host")
    deliver(box, REPLY, "1700000001.M2P1.host")
    out = io.StringIO()
    call_command("ingest", "--watch", str(box), "--once", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("2 read, 2 new, 0 duplicate, 0 quarantined")
    assert Message.objects.real().count() == 2
    assert list((box / "new").iterdir()) == []
    assert sorted(p.name for p in (box / "cur").iterdir()) == [
        "1700000000.M1P1.host:2,",
        "1700000001.M2P1.host:2,",
    ]


def test_polls_pick_up_mail_delivered_between_them(tmp_path: Path) -> None:
    box = maildir(tmp_path / "Maildir")
    deliver(box, PARENT, "1700000000.M1P1.host")
    reports: list[str] = []
    polls = iter([True, False])  # keep going after the first poll, stop after the second

    def keep_going() -> bool:
        going = next(polls)
        if going:
            deliver(box, REPLY, "1700000001.M2P1.host")  # arrives while we sleep
        return going

    watch(box, interval=0, report=lambda s: reports.append(s.line()), keep_going=keep_going)
    assert [line.split(" in ")[0] for line in reports] == [
        "1 read, 1 new, 0 duplicate, 0 quarantined",
        "1 read, 1 new, 0 duplicate, 0 quarantined",
    ]
    assert Message.objects.real().count() == 2
    assert len(list((box / "cur").iterdir())) == 2


def test_an_empty_poll_reports_nothing(tmp_path: Path) -> None:
    reports: list[str] = []
    box = maildir(tmp_path / "Maildir")
    watch(box, interval=0, report=lambda s: reports.append(s.line()), keep_going=lambda: False)
    assert reports == []


def test_flags_already_in_the_name_are_kept() -> None:
    assert archived_name("1700000000.M1P1.host") == "1700000000.M1P1.host:2,"
    assert archived_name("1700000000.M1P1.host:2,S") == "1700000000.M1P1.host:2,S"


def test_watch_needs_a_maildir_and_no_other_source(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("ingest", "--watch", str(tmp_path), "--once")
    with pytest.raises(CommandError, match="either SOURCE"):
        call_command("ingest", str(PARENT), "--watch", str(tmp_path))
    with pytest.raises(CommandError, match="either SOURCE"):
        call_command("ingest")
