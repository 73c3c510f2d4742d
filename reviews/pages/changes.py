# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bulk and series-wide changes: the confirmation, the change's own page, and undo.

Nothing changes many patches on the first post: the form's post renders a
confirmation that names what will happen and to how many patches ("Set 1,412
patches to Rejected?"), carrying the choice and a digest of the patches in
hidden fields; only its own post, with the same patches, changes them. What
was done then has a page, and from it (or the events page) it is undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render

from reviews import services
from reviews.models import ChangeSet, Event, Patch, Project
from reviews.pages.events import EventRow, event_rows, events_queryset
from reviews.pages.posting import login_first
from reviews.services.changes import UNSET, Changes

__all__ = ["Confirmation", "change_detail", "change_undo", "change_url", "confirm", "question"]

SAMPLE = 10  # patches named on a confirmation
SHOWN = 200  # Events listed on a change's page (the events page has them all)
# Fields of the form's post the confirmation does not carry back as they came.
_NOT_CARRIED = {"csrfmiddlewaretoken", "confirm", "selection"}


def change_url(change: ChangeSet) -> str:
    return f"/project/{change.project.link_name}/changes/{change.pk}/"


def _patches(count: int) -> str:
    return f"{count:,} patch" if count == 1 else f"{count:,} patches"


def question(changes: Changes, count: int) -> str:
    """The change as a question naming it and its size: "Set 1,412 patches to Rejected?"."""
    steps: list[Callable[[str], str]] = []
    if (state := changes.state) is not None:
        steps.append(lambda them: f"set {them} to {state.name}")
    if changes.archived is not None:
        steps.append(lambda them: f"{'archive' if changes.archived else 'unarchive'} {them}")
    if (delegate := changes.delegate) is None:
        steps.append(lambda them: f"remove the delegate of {them}")
    elif delegate is not UNSET:
        steps.append(lambda them: f"delegate {them} to {delegate.username}")
    words = [steps[0](_patches(count)), *(step("them") for step in steps[1:])]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return joined[0].upper() + joined[1:] + "?"


@dataclass
class Confirmation:
    project: Project
    question: str
    action: str  # the form's URL
    scope: str  # which patches, in words
    count: int
    cancel: str
    carried: list[tuple[str, str]]
    now: list[tuple[str, int]] = field(default_factory=list)  # (state, how many)
    unchanged: int = 0  # already look like that
    sample: list[Patch] = field(default_factory=list)
    notice: str = ""

    @property
    def more(self) -> str:
        more = self.count - len(self.sample)
        return f"{more:,}" if more > 0 else ""

    @property
    def states_now(self) -> str:
        return " · ".join(f"{n:,} {name}" for name, n in self.now)

    @property
    def unchanged_text(self) -> str:
        if not self.unchanged:
            return ""
        if self.unchanged == 1:
            return "1 already looks like that and stays as it is."
        return f"{self.unchanged:,} already look like that and stay as they are."


def confirm(
    request: HttpRequest, *, project: Project, ids: list[int], changes: Changes, action: str,
    scope: str, cancel: str, digest: str, notice: str = "",
) -> HttpResponse:  # fmt: skip
    """The page that names the change and asks for it once more (three queries)."""
    post: QueryDict = request.POST
    carried = [(k, v) for k in post for v in post.getlist(k) if k not in _NOT_CARRIED]
    if post.get("scope") == "matching":
        carried = [(k, v) for k, v in carried if k != "patch"]
    patches = Patch.objects.filter(id__in=ids)
    now = list(
        patches.values_list("state__name").annotate(n=Count("id")).order_by("-n", "state__name")
    )
    view = Confirmation(
        project=project, question=question(changes, len(ids)), action=action, scope=scope,
        count=len(ids), cancel=cancel, carried=[*carried, ("selection", digest)], now=now,
        unchanged=_unchanged(patches, changes),
        sample=list(patches.select_related("project", "message").order_by("-date", "-id")[:SAMPLE]),
        notice=notice,
    )  # fmt: skip
    return render(request, "reviews/change_confirm.html", {"view": view})


def _unchanged(patches, changes: Changes) -> int:
    """Patches the change leaves as they are: every field asked for already holds it."""
    if changes.state is not None:
        patches = patches.filter(state=changes.state)
    if changes.archived is not None:
        patches = patches.filter(archived=changes.archived)
    if changes.delegate is not UNSET:
        patches = patches.filter(delegate=changes.delegate)
    return int(patches.count())


@dataclass
class ChangePage:
    change: ChangeSet
    rows: list[EventRow]
    events: int
    undoes: ChangeSet | None
    can_undo: bool

    @property
    def patches(self) -> str:
        return _patches(self.change.patches)

    @property
    def events_url(self) -> str:
        return f"/project/{self.change.project.link_name}/events/?change={self.change.pk}"


def change_detail(request: HttpRequest, link_name: str, change_id: int) -> HttpResponse:
    """What a change set did, patch by patch, and the button that undoes it."""
    change = get_object_or_404(
        ChangeSet.objects.select_related("project", "actor", "undone_by"),
        pk=change_id, project__link_name=link_name,
    )  # fmt: skip
    shown = list(_events(change)[: SHOWN + 1])
    total = len(shown)
    if total > SHOWN:
        total = Event.objects.filter(change_set=change).count()
    view = ChangePage(
        change=change,
        rows=event_rows(shown[:SHOWN]),
        events=total,
        undoes=ChangeSet.objects.filter(undone_by=change).first(),
        can_undo=change.undone_by_id is None and _may_undo(request, change),
    )
    return render(request, "reviews/change.html", {"view": view})


def _events(change: ChangeSet):
    return events_queryset(Event.objects.filter(change_set=change)).order_by("id")


def _may_undo(request: HttpRequest, change: ChangeSet) -> bool:
    try:
        services.check_undo(request.user, change)
    except PermissionDenied:
        return False
    return True


@login_first
def change_undo(request: HttpRequest, link_name: str, change_id: int) -> HttpResponse:
    """Undo a change set; patches someone changed since stay as they are."""
    change = get_object_or_404(
        ChangeSet.objects.select_related("project"), pk=change_id, project__link_name=link_name
    )
    try:
        undone = services.undo_change(request.user, change)
    except ValidationError as error:
        messages.error(request, f"Nothing was undone: {' '.join(error.messages)}")
        return HttpResponseRedirect(change_url(change))
    kept = f" {_patches(undone.kept)} changed since and stayed as they are." if undone.kept else ""
    if undone.change_set is None:
        messages.error(request, f"Nothing was undone:{kept or ' the patches changed since.'}")
        return HttpResponseRedirect(change_url(change))
    messages.success(request, f"Undone: {_patches(undone.restored)} put back as they were.{kept}")
    return HttpResponseRedirect(change_url(undone.change_set))
