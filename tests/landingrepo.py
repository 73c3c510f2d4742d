# SPDX-License-Identifier: AGPL-3.0-or-later
"""A maintainer's git tree for the landing tests, built and edited with ``git`` itself.

The tree starts from ``tests/data/landing/base``; mails of the fixture mbox
are applied with ``git am`` and then edited the way maintainers do.
"""

from __future__ import annotations

import shutil
import subprocess
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from reviews.models import Patch, Project
from tests.conftest import DATA
from tests.gitrepo import client_env

LANDING = DATA / "landing"
MBOX = LANDING / "demo-two-series.mbox"
MAINTAINER = ("Mae Tainer", "mae@example.com")
# Mail order in the fixture: 0 cover, 1-4 Alice's series A, then Bob's two patches.
A1, A2, A3, A4, B1, B2 = range(1, 7)


class MaintainerTree:
    """A repository with ``main`` at the base commit; ``mails[n]`` is the mbox's n-th mail."""

    def __init__(self, root: Path, mbox: Path = MBOX) -> None:
        self.path = root / "tree"
        self.env = client_env(root / "home", {"user.name": MAINTAINER[0],
                                             "user.email": MAINTAINER[1]})  # fmt: skip
        self.clock = 1_717_000_000  # commit dates move forward one minute a commit
        shutil.copytree(LANDING / "base", self.path)
        self.git("init", "-q")
        self.commit_all("Initial demo tree")
        self.git("tag", "base")
        mails = root / "mails"
        mails.mkdir()
        subprocess.run(["git", "mailsplit", f"-o{mails}", str(mbox)], check=True,
                       capture_output=True, env=self.env)  # fmt: skip
        self.mails = sorted(mails.iterdir())

    def git(self, *args: str) -> str:
        self.clock += 60
        date = f"@{self.clock} +0000"
        env = {**self.env, "GIT_COMMITTER_DATE": date}
        done = subprocess.run(["git", *args], cwd=self.path, env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout.strip()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def commit_all(self, message: str, *, author: str | None = None) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, *([f"--author={author}"] if author else []))
        return self.head()

    def am(self, index: int, *options: str) -> str:
        """Apply mail ``index`` (0 is the cover letter) with ``git am``; the new commit."""
        self.git("am", "-q", *options, str(self.mails[index]))
        return self.head()

    def amend(self, *options: str) -> str:
        self.git("commit", "-q", "--amend", "--no-edit", *options)
        return self.head()

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.path / path
        text = file.read_text()
        assert old in text, f"{old!r} is not in {path}"
        file.write_text(text.replace(old, new, 1))


def patch(number: int, *, bob: bool = False) -> Patch:
    """Alice's patch ``number`` of 4, or Bob's of 2."""
    email = "bob@example.net" if bob else "alice@example.org"
    return Patch.objects.select_related("state").get(number=number, submitter__email=email)


def track(project: Project) -> str:
    out = StringIO()
    call_command("track-git", "--project", project.link_name, stdout=out)
    return out.getvalue()


def follow(project: Project, tree: MaintainerTree, branch: str, means: str) -> None:
    call_command("track-git", "--project", project.link_name, "--add-tree", str(tree.path),
                 "--branch", branch, "--means", means, stdout=StringIO())  # fmt: skip
