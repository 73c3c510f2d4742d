"""The end-to-end archive: a tiny git repository and the mail ``git format-patch`` makes of it.

v1 is a cover letter and two patches; Rev Iewer replies to patch 1 with a
Reviewed-by, Ack Er to the cover letter with an Acked-by; v2 follows in a
new thread with patch 1 unchanged.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.gitrepo import AUTHOR, git
from tests.gitrepo import commit as _commit

LIST_ID = "greet.lists.example.org"
LIST_ADDR = "greet@lists.example.org"
REVIEWER = ("Rev Iewer", "rev@example.org")
ACKER = ("Ack Er", "ack@example.org")


@dataclass
class Mails:
    repo: Path
    env: dict[str, str]
    mbox: Path
    ids: dict[str, list[str]] = field(default_factory=dict)


def _format_series(repo: Path, env: dict[str, str], out: Path, version: int) -> list[Path]:
    git(repo, env, "format-patch", "-q", "--cover-letter", "--thread", "-o", str(out),
        f"-v{version}", f"--to={LIST_ADDR}", f"--add-header=List-Id: <{LIST_ID}>",
        "main..topic")  # fmt: skip
    files = sorted(out.glob("*.patch"))
    day = 2 if version == 1 else 5
    for path in files:
        text = path.read_text()
        # Distinct Message-IDs for v1 and v2 even when made in the same second.
        text = text.replace(".git.", f".v{version}.git.")
        text = re.sub(r"^Date: .*$", f"Date: Sat, {day} Mar 2024 10:10:00 +0000", text,
                      count=1, flags=re.M) if "0000-cover" in path.name else text  # fmt: skip
        text = text.replace("*** SUBJECT HERE ***", "greet: friendlier greetings")
        path.write_text(text.replace("*** BLURB HERE ***", "Friendlier greetings."))
    return files


def _msgid(path: Path) -> str:
    return str(email.message_from_bytes(path.read_bytes())["Message-ID"]).strip().strip("<>")


def _reply(parent: Path, msgid: str, who: tuple[str, str], trailer: str, date: str) -> str:
    parent_msg = email.message_from_bytes(parent.read_bytes())
    parent_id = str(parent_msg["Message-ID"]).strip()
    refs = " ".join(filter(None, [str(parent_msg.get("References", "")).strip(), parent_id]))
    subject = " ".join(str(parent_msg["Subject"]).split())
    return (
        f"From: {who[0]} <{who[1]}>\nTo: {AUTHOR[0]} <{AUTHOR[1]}>\nCc: {LIST_ADDR}\n"
        f"Subject: Re: {subject}\nDate: {date}\nMessage-ID: <{msgid}>\n"
        f"In-Reply-To: {parent_id}\nReferences: {refs}\nList-Id: <{LIST_ID}>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"> {subject}\n\nLooks good to me.\n\n{trailer}: {who[0]} <{who[1]}>\n"
    )


def build(tmp_path: Path, env: dict[str, str]) -> Mails:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, env, "init", "-q")
    (repo / "hello.c").write_text('#include <stdio.h>\n\nint main(void)\n{\n\tputs("hi");\n}\n')
    _commit(repo, env, "2024-03-01T10:00:00+00:00", "initial import")
    git(repo, env, "checkout", "-q", "-b", "topic")
    (repo / "hello.c").write_text(
        '#include <stdio.h>\n\nint main(void)\n{\n\tputs("hello, world");\n}\n'
    )
    _commit(repo, env, "2024-03-02T10:00:00+00:00", "hello: greet the world\n\nBe friendlier.")
    (repo / "bye.c").write_text('#include <stdio.h>\n\nvoid bye(void)\n{\n\tputs("bye");\n}\n')
    _commit(repo, env, "2024-03-02T10:05:00+00:00", "bye: add a farewell\n\nSay bye.")
    v1 = _format_series(repo, env, tmp_path / "v1", 1)
    (repo / "bye.c").write_text('#include <stdio.h>\n\nvoid bye(void)\n{\n\tputs("so long");\n}\n')
    _commit(repo, env, "2024-03-05T10:05:00+00:00", "bye: add a farewell\n\nSay so long.",
            amend=True)  # fmt: skip
    v2 = _format_series(repo, env, tmp_path / "v2", 2)
    git(repo, env, "checkout", "-q", "main")
    mails = [p.read_text() for p in v1]
    mails.append(_reply(v1[1], "review-1@example.org", REVIEWER, "Reviewed-by",
                        "Mon, 4 Mar 2024 09:00:00 +0000"))  # fmt: skip
    mails.append(_reply(v1[0], "ack-1@example.org", ACKER, "Acked-by",
                        "Mon, 4 Mar 2024 10:00:00 +0000"))  # fmt: skip
    mails += [p.read_text() for p in v2]
    mbox = tmp_path / "archive.mbox"
    with mbox.open("w") as out:
        for mail in mails:
            if not mail.startswith("From "):
                out.write("From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            out.write(mail if mail.endswith("\n") else mail + "\n")
            out.write("\n")
    return Mails(repo, env, mbox, {"v1": [_msgid(p) for p in v1], "v2": [_msgid(p) for p in v2]})
