# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patches found in followed git branches: their lineage, commit and Accepted state.

``track-git`` (``reviews.tracking``) reads and matches; this module writes.
A landing sets the state through the same rules as any automatic change:
marked ``StateOrigin.AUTO`` with the state it replaced, and never over a
state a person chose unless the project says so
(``Project.landing_overrides_person``). Each change is an Event naming the
commit, the branch and how the patch was recognised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews import turnstore
from reviews.landing import Match
from reviews.models import (
    EventCategory,
    GitBranch,
    GitTree,
    Landing,
    LandingMeaning,
    Patch,
    Project,
    State,
    StateOrigin,
)
from reviews.services import events
from reviews.states import state

__all__ = [
    "LandingSummary",
    "add_git_branch",
    "advance_branch",
    "forget_commits",
    "record_landings",
]

ACCEPTED = "accepted"


@dataclass
class LandingSummary:
    landings: int = 0
    accepted: list[int] = field(default_factory=list)
    kept_by_person: list[int] = field(default_factory=list)


@transaction.atomic
def add_git_branch(project: Project, path: str, branch: str, means: str) -> GitBranch:
    """Follow ``branch`` of the repository at ``path`` for ``project`` (an admin's command)."""
    if means not in LandingMeaning.values:
        raise ValueError(f"--means must be one of {', '.join(LandingMeaning.values)}")
    tree, _ = GitTree.objects.get_or_create(project=project, path=path)
    followed, created = GitBranch.objects.get_or_create(
        tree=tree, name=branch, defaults={"means": means}
    )
    if not created and followed.means != means:
        followed.means = means
        followed.save(update_fields=["means"])
    return followed


def advance_branch(branch: GitBranch, head: str) -> None:
    """Remember where the branch was read up to: the next run starts there."""
    branch.last_commit, branch.checked = head, timezone.now()
    branch.save(update_fields=["last_commit", "checked"])


@transaction.atomic
def forget_commits(branch: GitBranch, shas: Sequence[str]) -> int:
    """Commits no longer in the branch (rewritten, or reverted): out of the lineage.

    The state stays: whether a reverted patch is still Accepted is the maintainer's call.
    """
    if not shas:
        return 0
    deleted, _ = Landing.objects.filter(branch=branch, commit__in=list(shas)).delete()
    if deleted:
        events.touch()
    return deleted


@transaction.atomic
def record_landings(
    branch: GitBranch, matches: Sequence[Match], committed: Mapping[str, datetime]
) -> LandingSummary:
    """Write the lineage rows of ``matches`` and land each patch once (state, commit_ref)."""
    summary = LandingSummary()
    if not matches:
        return summary
    Landing.objects.bulk_create(
        [
            Landing(patch_id=m.patch_id, branch=branch, commit=m.commit, how=m.how,
                    similarity=m.similarity, committed=committed[m.commit])
            for m in matches
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    summary.landings = len(matches)
    first: dict[int, Match] = {}
    for m in matches:
        first.setdefault(m.patch_id, m)
    patches = (
        Patch.objects.select_for_update(of=("self",))
        .select_related("project", "state")
        .filter(id__in=list(first))
        .order_by("id")
    )
    history = []
    accepted = state(ACCEPTED)
    for patch in patches:
        history += _land(patch, first[patch.id], branch, accepted, summary)
    events.record(history)
    # whose turn and the health counts follow the Accepted state (dated by its Event)
    turnstore.refresh_patches(summary.accepted)
    events.touch()  # the lineage shown on pages changed even when no state did
    return summary


def _land(
    patch: Patch, match: Match, branch: GitBranch, accepted: State, summary: LandingSummary
) -> list[Any]:
    """Set ``patch``'s commit_ref and state for ``match``; its Events."""
    about: dict[str, Any] = {"commit": match.commit, "branch": branch.name, "match": match.how}
    history, fields = [], []
    if not patch.commit_ref:
        history.append(
            _event(patch, EventCategory.PATCH_COMMIT_REF_CHANGED,
                   previous_commit_ref=patch.commit_ref, current_commit_ref=match.commit, **about)
        )  # fmt: skip
        patch.commit_ref = match.commit
        fields.append("commit_ref")
    by_person = patch.state_origin == StateOrigin.PERSON
    if patch.state.slug != ACCEPTED:
        if by_person and not patch.project.landing_overrides_person:
            summary.kept_by_person.append(patch.id)
        else:
            history.append(_event(patch, EventCategory.PATCH_STATE_CHANGED,
                                  previous_state=patch.state.slug, current_state=ACCEPTED,
                                  reason=f"landed in {branch.name} as {match.commit[:12]}",
                                  **about))  # fmt: skip
            patch.state_before = patch.state
            patch.state, patch.state_origin = accepted, StateOrigin.AUTO
            fields += ["state", "state_origin", "state_before"]
            summary.accepted.append(patch.id)
    if fields:
        patch.save(update_fields=fields)
    return history


def _event(patch: Patch, category: str, **payload: Any) -> Any:
    return events.event_for(
        category, project_id=patch.project_id, patch_id=patch.id, series_id=patch.series_id,
        **payload,
    )  # fmt: skip
