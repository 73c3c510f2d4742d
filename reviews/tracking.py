# SPDX-License-Identifier: AGPL-3.0-or-later
"""``track-git``: read each followed branch's new commits, match them, write the landings.

Safe from cron and beside ingest: each branch is read under its own
PostgreSQL advisory lock (a second run skips a branch the first is reading),
ingest's lock is never taken, and where a branch was read up to is saved
after every batch, so an interrupted run resumes there. A rewritten branch
(its old head no longer an ancestor) loses the landings of the commits it
dropped; a revert of a landed commit takes that commit out of the lineage.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Min, Q

from reviews import gittrees
from reviews.gittrees import Commit
from reviews.landing import LATE, WINDOW, Candidate, Match, match_commit, normalise_subject
from reviews.models import GitBranch, LandingMeaning, Patch, Project
from reviews.services.landings import advance_branch, forget_commits, record_landings

__all__ = ["BranchRun", "match_batch", "track_branch", "track_projects"]

# Advisory locks are (class, branch id) pairs; the class keeps them apart from other locks.
LOCK_CLASS = 20_20
BATCH = gittrees.BATCH


@dataclass
class BranchRun:
    """What one run did on one branch, for the command's report line."""

    project: str
    path: str
    branch: str
    commits: int = 0
    forgotten: int = 0
    matches: list[Match] = field(default_factory=list)
    accepted: int = 0
    kept_by_person: int = 0
    seconds: float = 0.0
    skipped: str = ""  # why nothing was read: locked by another run, or git's error

    def line(self) -> str:
        where = f"{self.project} {self.path} {self.branch}"
        if self.skipped:
            return f"{where}: skipped, {self.skipped}"
        kinds: dict[str, int] = defaultdict(int)
        for m in self.matches:
            kinds[m.how] += 1
        how = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"
        return (
            f"{where}: {self.commits} new commits, {len(self.matches)} landings ({how}), "
            f"{self.accepted} marked Accepted, {self.kept_by_person} kept as a person set them, "
            f"{self.forgotten} landings forgotten, {self.seconds:.1f} s"
        )


def track_projects(projects: Sequence[Project]) -> Iterator[BranchRun]:
    branches = GitBranch.objects.filter(tree__project__in=projects).select_related("tree__project")
    # The maintainer's own tree first: its commit becomes the patch's commit_ref,
    # as on Patchwork, rather than a later copy in next or mainline.
    order = {meaning: i for i, meaning in enumerate(LandingMeaning.values)}
    ordered = sorted(branches, key=lambda b: (b.tree.project.link_name, order[b.means], b.name))
    for branch in ordered:
        yield track_branch(branch)


@contextmanager
def _branch_lock(branch_id: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, branch_id])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, branch_id])


def track_branch(branch: GitBranch) -> BranchRun:
    project = branch.tree.project
    run = BranchRun(project.link_name, branch.tree.path, branch.name)
    started = time.perf_counter()
    with _branch_lock(branch.id) as got:
        if not got:
            run.skipped = "another track-git is reading this branch"
            return run
        branch.refresh_from_db()
        try:
            _read_branch(branch, project, run)
        except gittrees.GitError as error:
            run.skipped = f"git said: {error}"
    run.seconds = time.perf_counter() - started
    return run


def _read_branch(branch: GitBranch, project: Project, run: BranchRun) -> None:
    repo = branch.tree.path
    head = gittrees.branch_head(repo, branch.name)
    if not head:
        raise gittrees.GitError(f"there is no branch {branch.name} in {repo}")
    if head == branch.last_commit:
        return
    since = branch.last_commit
    if since and not gittrees.is_ancestor(repo, since, head):
        run.forgotten += forget_commits(branch, gittrees.removed_commits(repo, since, head))
    shas = gittrees.new_commits(repo, head, since, after=_first_bound(project))
    run.commits = len(shas)
    mailmap = gittrees.read_mailmap(repo, head)
    for start in range(0, len(shas), BATCH):
        commits = list(gittrees.read_commits(repo, shas[start : start + BATCH]))
        matches = match_batch(project, commits, mailmap)
        summary = record_landings(branch, matches, {c.sha: c.committed for c in commits})
        run.matches += matches
        run.accepted += len(summary.accepted)
        run.kept_by_person += len(summary.kept_by_person)
        reverted = [c.reverts for c in commits if c.reverts]
        run.forgotten += forget_commits(branch, reverted)
        advance_branch(branch, shas[min(start + BATCH, len(shas)) - 1])
    advance_branch(branch, head)


def _first_bound(project: Project) -> str:
    """On a first run, commits older than the project's first patch cannot carry one."""
    first = Patch.objects.filter(project=project).aggregate(first=Min("date"))["first"]
    return (first - LATE).isoformat() if first else ""


def match_batch(
    project: Project, commits: Sequence[Commit], mailmap: Mapping[str, str]
) -> list[Match]:
    """The landings of a batch of commits: three queries, however many commits."""
    if not commits:
        return []
    mapped = {c.sha: mailmap.get(c.author_email, c.author_email) for c in commits}
    by_patchid, by_author = _candidates(project, commits, set(mapped.values()), mailmap)
    found: list[Match] = []
    for commit in commits:
        found += match_commit(commit, by_patchid, by_author, mapped[commit.sha])
    return found


def _candidates(
    project: Project, commits: Sequence[Commit], authors: set[str], mailmap: Mapping[str, str]
) -> tuple[dict[str, list[Candidate]], dict[str, list[Candidate]]]:
    """Patches that could be in these commits: same patch-id, or same author in the window."""
    emails = authors | {old for old, new in mailmap.items() if new in authors}
    dates = [c.committed for c in commits]
    ids = {c.patchid for c in commits if c.patchid}
    same_author = Q(
        Q(submitter__email__in=emails) | Q(submitter__canonical__email__in=emails),
        date__range=(min(dates) - WINDOW, max(dates) + LATE),
    )
    rows = list(
        Patch.objects.filter(Q(patchid__in=ids) | same_author, project=project).values_list(
            "id", "series_id", "submitter__email", "submitter__canonical__email", "title",
            "date", "patchid",
        )
    )  # fmt: skip
    subjects = {normalise_subject(c.subject) for c in commits}
    wanted = {r[0] for r in rows if normalise_subject(r[4]) in subjects}
    series = {r[1] for r in rows if r[0] in wanted or r[6] in ids} - {None}
    wanted |= {r[0] for r in rows if r[1] in series}
    diffs = Patch.objects.filter(id__in=wanted).diffs()
    by_patchid: dict[str, list[Candidate]] = defaultdict(list)
    by_author: dict[str, list[Candidate]] = defaultdict(list)
    for pid, series_id, email, canonical, title, date, patchid in rows:
        keys = {mailmap.get(e, e) for e in (email, canonical) if e}
        candidate = Candidate(pid, series_id, min(keys, default=""), title, date or _EPOCH,
                              patchid, diffs.get(pid, ""))  # fmt: skip
        if patchid in ids:
            by_patchid[patchid].append(candidate)
        if pid in diffs:
            for key in keys:
                by_author[key].append(candidate)
    return by_patchid, by_author


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
