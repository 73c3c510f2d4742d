# SPDX-License-Identifier: AGPL-3.0-or-later
"""A git tree where linux-rtc's patches were applied and edited at random, with the truth.

linux-rtc's kernel tree is not here, so each patch gets a synthetic base:
a commit (by "Base Keeper") writing the files as the patch's hunks say they
were before (context and removed lines at their line numbers, numbered
filler between), then the patch's own mail through ``git am``, then, with
the probabilities of :data:`EDITS`, an edit a maintainer might make. Some
commits are impostors: the same author and subject as a posted patch, and
a different change, which a maintainer would not call that patch.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

BASE_KEEPER = "Base Keeper <base@example.invalid>"
# Edit name -> weight. "unchanged" to "whitespace" keep the patch-id; the tweaks do not.
EDITS = {"unchanged": 30, "reword": 20, "whitespace": 10, "tweak-one": 20, "tweak-quarter": 10,
         "tweak-half": 5, "impostor": 5}  # fmt: skip
_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Truth:
    """Which commit carries which patch (None: carries none), and how it was edited."""

    patch_of: dict[str, int | None] = field(default_factory=dict)
    edit_of: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class Unsupported(Exception):
    pass


def pre_images(diff: str) -> dict[str, list[str] | None]:
    """Each file's content before the diff, as far as its hunks show (None: a new file)."""
    files: dict[str, list[str] | None] = {}
    lines = diff.split("\n")
    i, path, new_file = 0, "", False
    while i < len(lines):
        line = lines[i]
        if line.startswith(("rename ", "copy ", "GIT binary", "Binary files")):
            raise Unsupported("rename, copy or binary")
        if line.startswith("--- "):
            new_file = line == "--- /dev/null"
            old = line[4:].split("\t")[0]
        elif line.startswith("+++ "):
            new = line[4:].split("\t")[0]
            path = (new if new_file else old)[2:]
            if not new_file and new != "/dev/null" and old[2:] != new[2:]:
                raise Unsupported("rename")
            files[path] = None if new_file else files.get(path) or []
        elif (hunk := _HUNK_RE.match(line)) and path:
            i = _read_hunk(lines, i, hunk, files, path)
            continue
        i += 1
    return files


def _read_hunk(lines: list[str], i: int, hunk: re.Match[str], files: dict, path: str) -> int:
    start, old_count = int(hunk.group(1)), int(hunk.group(2) or 1)
    new_count = int(hunk.group(4) or 1)
    old: list[str] = []
    i += 1
    while (old_count > 0 or new_count > 0) and i < len(lines):
        line = lines[i]
        if line.startswith("\\"):
            raise Unsupported("no newline at end of file")
        marker, text = line[:1], line[1:]
        if marker in (" ", ""):
            old.append(text)
            old_count, new_count = old_count - 1, new_count - 1
        elif marker == "-":
            old.append(text)
            old_count -= 1
        elif marker == "+":
            new_count -= 1
        else:
            raise Unsupported("a hunk shorter than its header says")
        i += 1
    content = files[path]
    if content is None:
        return i
    at = start - 1 if old else start
    if at < len(content):
        raise Unsupported("overlapping hunks")
    content.extend(f"/* filler {n} */" for n in range(len(content), at))
    content.extend(old)
    return i


class Builder:
    """The tree and its truth, one patch at a time."""

    def __init__(self, path: Path, seed: int = 20) -> None:
        self.path = path
        self.rng = random.Random(seed)
        self.truth = Truth()
        path.mkdir(parents=True)
        self.env = {"PATH": os.environ["PATH"], "HOME": str(path.parent), "LANG": "C.UTF-8",
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_COMMITTER_NAME": "Mae Tainer",
                    "GIT_COMMITTER_EMAIL": "mae@example.com"}  # fmt: skip
        self.git("init", "-q", "-b", "main")
        (path / "README").write_text("synthetic base\n")
        self.git("add", "-A")
        self.commit("Synthetic tree", "2000-01-01T00:00:00+00:00")

    def git(self, *args: str, date: str = "", ok: bool = False) -> str:
        env = {**self.env, **({"GIT_COMMITTER_DATE": date} if date else {})}
        done = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True,
                              text=True, check=not ok)  # fmt: skip
        return done.stdout.strip() if done.returncode == 0 else ""

    def commit(self, message: str, date: str, author: str = BASE_KEEPER) -> str:
        self.git("commit", "-q", "--allow-empty", f"--author={author}", "-m", message,
                 f"--date={date}", date=date)  # fmt: skip
        return self.git("rev-parse", "HEAD")

    def add(self, patch: Any) -> None:
        try:
            files = pre_images(patch.diff)
        except Unsupported as why:
            self.truth.skip(str(why))
            return
        when = patch.date.isoformat()
        for path, content in files.items():
            target = self.path / path
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                "\n".join(content) + "\n" if content else "", errors="surrogateescape"
            )
        self.git("add", "-A")
        self.commit(f"synthetic base for {patch.message.msgid}", when)
        self._apply(patch)

    def _apply(self, patch: Any) -> None:
        committed = (patch.date + timedelta(days=self.rng.randint(1, 60))).isoformat()
        mail = self.path.parent / "mail.eml"
        try:
            mail.write_bytes(_mail(patch))
        except (UnicodeError, ValueError):
            self.truth.skip("mail that cannot be written back")
            return
        self.git("am", "-q", "--whitespace=nowarn", str(mail), date=committed, ok=True)
        if (self.path / ".git" / "rebase-apply").exists():
            self.git("am", "--abort", ok=True)
            self.truth.skip("git am refused")
            return
        edit = self.rng.choices(list(EDITS), weights=list(EDITS.values()))[0]
        sha = _edit(self, patch, edit, committed)
        self.truth.patch_of[sha] = None if edit == "impostor" else patch.id
        self.truth.edit_of[sha] = edit


def _mail(patch: Any) -> bytes:
    message = EmailMessage()
    who = patch.submitter
    message["From"] = formataddr((who.name, who.email)) if who else "nobody@example.invalid"
    message["Date"] = format_datetime(patch.date)
    message["Subject"] = f"[PATCH] {patch.title}"
    message.set_content(f"{_message_text(patch.commit_message)}\n---\n{patch.diff}", cte="8bit")
    return bytes(message)


def _message_text(stored: str) -> str:
    lines = stored.split("\n")
    cut = next((i for i, line in enumerate(lines) if line.rstrip() == "---"), len(lines))
    return "\n".join(lines[:cut]).strip() or "(no message)"


def _added(patch: Any) -> list[str]:
    lines = patch.diff.split("\n")
    return [x[1:] for x in lines if x.startswith("+") and not x.startswith("+++") and x[1:].strip()]


def _edit(builder: Builder, patch: Any, edit: str, committed: str) -> str:
    git = builder.git
    if edit == "reword":
        git("commit", "-q", "--amend", "-m", f"{patch.title}\n\nReworded by the maintainer.\n\n"
            "Link: https://lore.example.org/r/x\nSigned-off-by: Mae Tainer <mae@example.com>",
            date=committed)  # fmt: skip
    elif edit in ("whitespace", "tweak-one", "tweak-quarter", "tweak-half"):
        share = {"whitespace": 0, "tweak-one": 0, "tweak-quarter": 0.25, "tweak-half": 0.5}[edit]
        added = _added(patch)
        count = max(1, round(len(added) * share)) if added else 0
        for line in builder.rng.sample(added, min(count, len(added))):
            _change_line(builder.path, line, edit == "whitespace")
        git("commit", "-q", "-a", "--amend", "--no-edit", "--allow-empty", date=committed)
    elif edit == "impostor":
        # Same author and subject, another change: a note file of its own.
        git("reset", "-q", "--hard", "HEAD~1")
        note = builder.path / "notes" / f"{patch.id}.txt"
        note.parent.mkdir(exist_ok=True)
        note.write_text("\n".join(f"unrelated line {n} of {patch.id}" for n in range(8)) + "\n")
        git("add", "-A")
        author = formataddr((patch.submitter.name, patch.submitter.email))
        git("commit", "-q", f"--author={author}", "-m", patch.title, date=committed)
    return git("rev-parse", "HEAD")


def _change_line(root: Path, line: str, spaces_only: bool) -> None:
    """Change the first line reading ``line`` in any changed file of the last commit."""
    names = subprocess.run(["git", "diff", "--name-only", "HEAD~1", "HEAD"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    for name in names:
        file = root / name
        if not file.exists():
            continue
        text = file.read_text(errors="surrogateescape")
        lines = text.split("\n")
        if line in lines:
            at = lines.index(line)
            lines[at] = (
                (line.replace(" ", "  ", 1) + " ") if spaces_only else f"{line} /* edited */"
            )
            file.write_text("\n".join(lines), errors="surrogateescape")
            return
