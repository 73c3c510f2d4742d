# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading a followed git repository: new commits of a branch, their diffs and patch-ids.

No Django here: ``git`` itself is run (never a library reimplementing it), a
few processes per batch of commits rather than one per commit. Output is
read as bytes and decoded with surrogate escapes, as mail is, so a commit
in a legacy encoding never stops a run.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive import mailmap

__all__ = [
    "Commit",
    "GitError",
    "branch_head",
    "is_ancestor",
    "new_commits",
    "parse_mailmap",
    "read_commits",
    "read_mailmap",
    "removed_commits",
]

# Commits read per ``git log`` process: bounded memory on a first run over years of history.
BATCH = 500

# The diff a maintainer's git would show, whatever the server's git config says.
_DIFF_CONFIG = (
    "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false", "-c", "log.showSignature=false",
)  # fmt: skip
_FIELD, _RECORD = "\x1f", "\x1e"
_FORMAT = _RECORD + _FIELD.join(["%H", "%an", "%ae", "%aI", "%cI", "%B"]) + _FIELD
_REVERTS_RE = re.compile(r"^This reverts commit ([0-9a-f]{40})", re.M)


class GitError(Exception):
    """git refused: not a repository, no such branch. The message says which, in git's words."""


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    authored: datetime
    committed: datetime
    message: str
    diff: str
    patchid: str | None = None

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def reverts(self) -> str | None:
        """The commit this one reverts, as ``git revert`` writes it in the message."""
        found = _REVERTS_RE.search(self.message)
        return found.group(1) if found else None


def _run(
    repo: str | Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C", "GIT_PAGER": "cat"}
    return subprocess.run(
        ["git", "-C", str(repo), *_DIFF_CONFIG, *args],
        input=stdin, capture_output=True, env=env, check=False,
    )  # fmt: skip


def _git(repo: str | Path, *args: str, stdin: bytes | None = None, check: bool = True) -> str:
    done = _run(repo, *args, stdin=stdin)
    if check and done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "surrogateescape")


def branch_head(repo: str | Path, branch: str) -> str:
    """The commit ``branch`` points at (a GitError when there is no such branch)."""
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}").strip()


def is_ancestor(repo: str | Path, old: str, new: str) -> bool:
    return _run(repo, "merge-base", "--is-ancestor", old, new).returncode == 0


def new_commits(repo: str | Path, head: str, since: str = "", after: str = "") -> list[str]:
    """Commits reachable from ``head`` but not from ``since``, oldest first, merges left out.

    Without ``since`` (a first run) ``after`` (an ISO date) bounds the walk:
    a followed mainline has a million commits older than any patch here.
    """
    args = ["rev-list", "--reverse", "--topo-order", "--no-merges", head]
    if since:
        args.append(f"^{since}")
    elif after:
        args.append(f"--since={after}")
    return _git(repo, *args).split()


def removed_commits(repo: str | Path, old: str, head: str) -> list[str]:
    """Commits a rewritten branch no longer has (linux-next is rebuilt every day)."""
    return _git(repo, "rev-list", "--no-merges", old, f"^{head}").split()


def read_commits(repo: str | Path, shas: Sequence[str]) -> Iterator[Commit]:
    """Each commit with its diff and ``git patch-id --stable``, a batch per two processes."""
    for start in range(0, len(shas), BATCH):
        batch = shas[start : start + BATCH]
        stdin = "\n".join(batch).encode() + b"\n"
        text = _git(
            repo, "log", "--no-walk=unsorted", "--stdin", "-p", "--no-color", "--no-ext-diff",
            "--no-textconv", f"--format={_FORMAT}", stdin=stdin,
        )  # fmt: skip
        commits = [c for c in map(_parse_record, text.split(_RECORD)[1:]) if c is not None]
        ids = _patch_ids(repo, commits)
        for commit in commits:
            yield Commit(**{**commit.__dict__, "patchid": ids.get(commit.sha)})


def _parse_record(record: str) -> Commit | None:
    fields = record.split(_FIELD, 6)
    if len(fields) < 7:
        return None
    sha, name, email, authored, committed, message, diff = fields
    return Commit(
        sha=sha, author_name=name, author_email=email.lower(),
        authored=datetime.fromisoformat(authored), committed=datetime.fromisoformat(committed),
        message=message.strip("\n"), diff=diff.lstrip("\n"),
    )  # fmt: skip


def _patch_ids(repo: str | Path, commits: list[Commit]) -> dict[str, str]:
    """``git patch-id --stable`` of every commit, in one process."""
    text = "".join(f"commit {c.sha}\n\n{c.diff}\n" for c in commits if c.diff)
    if not text:
        return {}
    out = _git(repo, "patch-id", "--stable", stdin=text.encode("utf-8", "surrogateescape"))
    found = {}
    for line in out.splitlines():
        patchid, _, sha = line.partition(" ")
        found[sha] = patchid
    return found


def read_mailmap(repo: str | Path, head: str) -> dict[str, str]:
    """The branch's ``.mailmap`` as old address -> canonical address (empty without one)."""
    return parse_mailmap(_git(repo, "show", f"{head}:.mailmap", check=False))


def parse_mailmap(text: str) -> dict[str, str]:
    """Address mappings of a ``.mailmap`` (name-only lines change no address).

    Read with the archive's own mailmap reader, line by line: a tree's file
    is not ours to fix, so a line it cannot read is skipped, not fatal.
    """
    mapping = {}
    for line in text.splitlines():
        try:
            entries = mailmap.parse_mailmap(line)
        except mailmap.MailmapError:
            continue
        for entry in entries:
            if entry.merges:
                mapping[entry.commit_email] = entry.proper_email
    return mapping
