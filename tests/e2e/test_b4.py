"""End to end: unmodified b4 against the real server on loopback (CLIENTS.md section 2).

The archive holds a two-patch series made by ``git format-patch`` in a tiny
repository, a Reviewed-by on v1 patch 1, an Acked-by on the v1 cover letter,
and a v2 in a new thread whose patch 1 is unchanged (same patch-id).
"""

from __future__ import annotations

import email
import mailbox
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitrepo import AUTHOR, client_env
from tests.gitrepo import commit as _commit
from tests.gitrepo import git as _git

pytestmark = [
    # Transactional: the real server runs in another thread. Ingest recreates
    # the default states itself if an earlier test's flush removed them.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

B4 = Path(sys.executable).with_name("b4")
LIST_ID = "greet.lists.example.org"
LIST_ADDR = "greet@lists.example.org"


@dataclass
class Archive:
    repo: Path
    env: dict[str, str]
    v1_cover: str
    v1_patches: list[str]
    v2_cover: str


def _b4(archive: Archive, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(B4), *args],
        cwd=archive.repo,
        env=archive.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _environment(tmp_path: Path, base_url: str) -> dict[str, str]:
    mask = f"{base_url}/all/%s"
    return client_env(tmp_path / "home", {"b4.midmask": mask, "b4.linkmask": mask})


def _format_series(repo: Path, env: dict[str, str], out: Path, version: int) -> list[Path]:
    args = ["format-patch", "-q", "--cover-letter", "--thread=shallow", "-o", str(out)]
    args += [f"-v{version}", f"--to={LIST_ADDR}", f"--add-header=List-Id: <{LIST_ID}>"]
    _git(repo, env, *args, "main..topic")
    files = sorted(out.glob("*.patch"))
    for path in files:
        # Delivered mail has no mbox "From " line; and format-patch would give v2's
        # unchanged patch the Message-ID of v1's when run in the same second.
        text = path.read_text().split("\n", 1)[1]
        path.write_text(text.replace(".git.", f".v{version}.git."))
    cover = files[0]
    text = cover.read_text()
    # format-patch dates a cover letter "now"; date it with its series instead.
    date = "Sat, 2 Mar 2024 10:10:00 +0000" if version == 1 else "Tue, 5 Mar 2024 10:10:00 +0000"
    text = re.sub(r"^Date: .*$", f"Date: {date}", text, count=1, flags=re.M)
    text = text.replace("*** SUBJECT HERE ***", "greet: friendlier greetings")
    blurb = "This series makes the greeting friendlier."
    if version > 1:
        blurb += "\n\nChanges in v2:\n- say goodbye politely"
    cover.write_text(text.replace("*** BLURB HERE ***", blurb))
    return files


def _msgid(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes())
    return str(message["Message-ID"]).strip().strip("<>")


def _reply(parent: Path, msgid: str, who: tuple[str, str], trailer: str, date: str) -> bytes:
    parent_msg = email.message_from_bytes(parent.read_bytes())
    parent_id = str(parent_msg["Message-ID"]).strip()
    refs = " ".join(filter(None, [str(parent_msg.get("References", "")).strip(), parent_id]))
    quoted = "\n".join(f"> {line}" for line in parent_msg.get_payload().splitlines()[:3])
    return (
        f"From: {who[0]} <{who[1]}>\n"
        f"To: {AUTHOR[0]} <{AUTHOR[1]}>\n"
        f"Cc: {LIST_ADDR}\n"
        f"Subject: Re: {' '.join(str(parent_msg['Subject']).split())}\n"
        f"Date: {date}\n"
        f"Message-ID: <{msgid}>\n"
        f"In-Reply-To: {parent_id}\n"
        f"References: {refs}\n"
        f"List-Id: <{LIST_ID}>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{quoted}\n\nLooks good to me.\n\n{trailer}: {who[0]} <{who[1]}>\n"
    ).encode()


def _build_mails(tmp_path: Path, repo: Path, env: dict[str, str]) -> tuple[list[bytes], dict]:
    (repo / "hello.c").write_text('#include <stdio.h>\n\nint main(void)\n{\n\tputs("hi");\n}\n')
    _commit(repo, env, "2024-03-01T10:00:00+00:00", "initial import")
    _git(repo, env, "checkout", "-q", "-b", "topic")
    (repo / "hello.c").write_text(
        '#include <stdio.h>\n\nint main(void)\n{\n\tputs("hello, world");\n}\n'
    )
    _commit(repo, env, "2024-03-02T10:00:00+00:00", "hello: greet the world\n\nBe friendlier.")
    (repo / "bye.c").write_text('#include <stdio.h>\n\nvoid bye(void)\n{\n\tputs("bye");\n}\n')
    _commit(repo, env, "2024-03-02T10:05:00+00:00", "bye: add a farewell\n\nSay bye.")
    v1 = _format_series(repo, env, tmp_path / "v1", 1)
    (repo / "bye.c").write_text(
        '#include <stdio.h>\n\nvoid bye(void)\n{\n\tputs("goodbye, and thanks");\n}\n'
    )
    _commit(
        repo, env, "2024-03-05T10:05:00+00:00", "bye: add a farewell\n\nSay goodbye.", amend=True
    )
    v2 = _format_series(repo, env, tmp_path / "v2", 2)
    _git(repo, env, "checkout", "-q", "main")
    reviewer, acker = ("Rev Iewer", "rev@example.org"), ("Ack Er", "ack@example.org")
    mails = [p.read_bytes() for p in v1]
    mails.append(
        _reply(
            v1[1], "review-1@example.org", reviewer, "Reviewed-by", "Mon, 4 Mar 2024 09:00:00 +0000"
        )
    )
    mails.append(
        _reply(v1[0], "ack-1@example.org", acker, "Acked-by", "Mon, 4 Mar 2024 10:00:00 +0000")
    )
    mails += [p.read_bytes() for p in v2]
    ids = {"v1": [_msgid(p) for p in v1], "v2": [_msgid(p) for p in v2]}
    return mails, ids


@pytest.fixture
def archive(tmp_path: Path, live_server) -> Archive:
    from archive.ingest import ingest
    from archive.sources import RawMail

    if not B4.exists():
        pytest.skip("b4 is not installed in the virtualenv (pip install b4)")
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    env = _environment(tmp_path, base_url)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    mails, ids = _build_mails(tmp_path, repo, env)
    summary = ingest((RawMail(m, f"mail {i}") for i, m in enumerate(mails)), workers=1)
    if summary.new != len(mails):
        from archive.models import QuarantinedMail

        details = list(QuarantinedMail.objects.values_list("detail", flat=True))
        pytest.fail(f"{summary.line()}: {details}")
    return Archive(repo, env, ids["v1"][0], ids["v1"][1:], ids["v2"][0])


def _messages(path: Path) -> list[mailbox.mboxMessage]:
    return list(mailbox.mbox(str(path)))


def test_b4_mbox_saves_the_whole_thread(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "mbox-out"
    out.mkdir()
    done = _b4(archive, "mbox", "-o", str(out), archive.v1_cover)
    assert done.returncode == 0, done.stderr
    (saved,) = out.glob("*.mbx")
    ids = {str(m["Message-ID"]).strip("<>") for m in _messages(saved)}
    assert ids == {
        archive.v1_cover,
        *archive.v1_patches,
        "review-1@example.org",
        "ack-1@example.org",
    }


def test_b4_am_on_v2_collects_trailers_from_v1(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "am-out"
    out.mkdir()
    done = _b4(archive, "am", "-o", str(out), archive.v2_cover)
    assert done.returncode == 0, done.stderr
    (saved,) = out.glob("v2_*.mbx")
    patches = _messages(saved)
    assert len(patches) == 2
    first = patches[0].get_payload(decode=True).decode()
    assert "Reviewed-by: Rev Iewer <rev@example.org>" in first
    assert "Acked-by: Ack Er <ack@example.org>" in first


def test_b4_am_check_newer_finds_v2(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "am-c-out"
    out.mkdir()
    done = _b4(archive, "am", "-c", "-o", str(out), archive.v1_cover)
    assert done.returncode == 0, done.stderr
    assert "latest revision: v2" in done.stderr
    assert list(out.glob("v2_*.mbx"))


def test_b4_shazam_applies_the_series_with_trailers(archive: Archive) -> None:
    done = _b4(archive, "shazam", archive.v2_cover)
    assert done.returncode == 0, done.stderr
    log = _git(archive.repo, archive.env, "log", "--format=%s%n%b%n--end--", "main")
    first_patch = log.split("--end--")[1]
    assert "hello: greet the world" in first_patch
    assert "Reviewed-by: Rev Iewer <rev@example.org>" in first_patch
    assert "Acked-by: Ack Er <ack@example.org>" in first_patch
    assert (archive.repo / "bye.c").read_text().count("goodbye, and thanks") == 1
