# SPDX-License-Identifier: AGPL-3.0-or-later
"""Form posts of the maintainer workflow: parse, call one service, say what happened.

Every view here takes POST only (GET changes nothing: 405) and is CSRF
protected by the middleware. A change of many patches (bulk, a whole series)
is asked for twice: the form's post answers with a confirmation naming it,
whose post makes it (``reviews.pages.changes``). Anonymous users are sent to log in; anyone
else the services refuse gets 403 and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404

from reviews import links, services
from reviews.forms import (
    BulkPatchForm,
    BundleForm,
    PatchForm,
    PatchStateForm,
    SeriesStateForm,
    selection_digest,
)
from reviews.models import Bundle, Patch, Project, Series
from reviews.pages import changes as changes_pages
from reviews.pages.bundles import bundle_url
from reviews.pages.posting import back_to, login_first

__all__ = ["bulk_update", "bundle_add", "patch_update", "series_state"]


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _patch(patch_id: int) -> Patch:
    return get_object_or_404(
        Patch.objects.select_related("project", "message", "state", "submitter"), id=patch_id
    )


@login_first
def patch_update(request: HttpRequest, patch_id: int) -> HttpResponse:
    """The patch page's form: everything for maintainers, the state for the submitter."""
    patch = _patch(patch_id)
    here = back_to(request, links.patch_url(patch.project.link_name, patch.message.msgid))
    maintainer = services.can_change_patch(request.user, patch)
    form = (
        PatchForm(request.POST, project=patch.project) if maintainer
        else PatchStateForm(request.POST)
    )  # fmt: skip
    if not form.is_valid():
        services.check_change_patch(request.user, patch, state_only=True)
        messages.error(request, f"Nothing was changed: {_errors(form)}")
        return HttpResponseRedirect(here)
    before = (patch.state_id, patch.delegate_id, patch.archived, patch.commit_ref)
    try:
        updated = services.update_patch(request.user, patch, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, f"Nothing was changed: {' '.join(error.messages)}")
        return HttpResponseRedirect(here)
    after = (updated.state_id, updated.delegate_id, updated.archived, updated.commit_ref)
    messages.success(request, _patch_summary(before, updated) if before != after
                     else "Nothing to change: the patch already looks like that.")  # fmt: skip
    return HttpResponseRedirect(here)


def _patch_summary(before: tuple, patch: Patch) -> str:
    parts = []
    if before[0] != patch.state_id:
        parts.append(f"State changed to {patch.state.name}.")
    if before[1] != patch.delegate_id:
        who = patch.delegate.username if patch.delegate else "nobody"
        parts.append(f"Delegated to {who}.")
    if before[2] != patch.archived:
        parts.append("Archived." if patch.archived else "Unarchived.")
    if before[3] != patch.commit_ref:
        parts.append(f"Commit set to {patch.commit_ref}." if patch.commit_ref
                     else "Commit removed.")  # fmt: skip
    return " ".join(parts)


@login_first
def series_state(request: HttpRequest, series_id: int) -> HttpResponse:
    """Set the state of every patch of a series, once the confirmation is confirmed."""
    series = get_object_or_404(Series.objects.select_related("project"), id=series_id)
    here = back_to(request, links.series_url(series.project.link_name, series.id))
    form = SeriesStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed: {_errors(form)}")
        return HttpResponseRedirect(here)
    ids = list(Patch.objects.filter(series=series).values_list("id", flat=True))
    if not ids:
        messages.error(request, "Nothing was changed: this series has no patches yet.")
        return HttpResponseRedirect(here)
    state = form.cleaned_data["state"]
    if _confirmed(request, ids):
        return _apply(request, here, lambda: services.set_series_state(request.user, series, state))
    changes = services.Changes(state=state)
    if refused := _refused(request, series.project, ids, changes):
        messages.error(request, f"Nothing was changed: {refused}")
        return HttpResponseRedirect(here)
    name = series.name or f"series {series.id}"
    return changes_pages.confirm(
        request, project=series.project, ids=ids, changes=changes, action=request.path,
        scope=f"every patch of “{name}” v{series.version}", cancel=here,
        digest=selection_digest(ids), notice=_moved(request),
    )  # fmt: skip


def _refused(request: HttpRequest, project: Project, ids: list[int], changes) -> str:
    """Why the change cannot be made (a delegate who is no maintainer), before asking.

    Someone who may not change these patches at all gets 403 here, as later.
    """
    try:
        services.check_change_patches(request.user, project, ids, changes)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _confirmed(request: HttpRequest, ids: list[int]) -> bool:
    """The confirmation's post, naming these very patches."""
    return bool(request.POST.get("confirm")) and request.POST.get("selection") == (
        selection_digest(ids)
    )


def _moved(request: HttpRequest) -> str:
    if request.POST.get("confirm"):
        return "The patches this would change are not the ones named before: check them again."
    return ""


def _apply(request: HttpRequest, here: str, change) -> HttpResponse:
    """Run a confirmed change; its page, with the undo button, comes next."""
    try:
        done = change()
    except ValidationError as error:
        messages.error(request, f"Nothing was changed: {' '.join(error.messages)}")
        return HttpResponseRedirect(here)
    if done is None:
        messages.info(request, "Nothing to change: the patches already look like that.")
        return HttpResponseRedirect(here)
    messages.success(request, f"Done: {done.description} on {_patches(done.patches)}.")
    return HttpResponseRedirect(changes_pages.change_url(done))


def _patches(count: int) -> str:
    return f"{count:,} patch" if count == 1 else f"{count:,} patches"


@login_first
def bulk_update(request: HttpRequest, link_name: str) -> HttpResponse:
    """The patch list's bulk form: the selected rows, or every patch the filters match.

    The first post shows what would change, the confirmation's post changes it.
    """
    project = get_object_or_404(Project, link_name=link_name)
    here = back_to(request, links.patch_list_url(project.link_name))
    form = BulkPatchForm(request.POST, project=project)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed: {_errors(form)}")
        return HttpResponseRedirect(here)
    changes = form.changes()
    if not changes:
        messages.error(request, "Nothing was changed: choose a state, archiving or a delegate.")
        return HttpResponseRedirect(here)
    ids = form.patch_ids
    if _confirmed(request, ids):
        return _apply(request, here, lambda: services.change_patches(
            request.user, project, ids, changes))  # fmt: skip
    if refused := _refused(request, project, ids, changes):
        messages.error(request, f"Nothing was changed: {refused}")
        return HttpResponseRedirect(here)
    scope = (
        "every patch the list's filters match, not only those on the page"
        if form.matching else "the patches you selected"
    )  # fmt: skip
    return changes_pages.confirm(
        request, project=project, ids=ids, changes=changes, action=request.path, scope=scope,
        cancel=here, digest=selection_digest(ids), notice=_moved(request),
    )  # fmt: skip


@login_first
def bundle_add(request: HttpRequest) -> HttpResponse:
    """Selected patches (list page) or one patch (patch page) into a bundle, new or not."""
    ids = [int(i) for i in request.POST.getlist("patch") if i.isdecimal()]
    patches = list(Patch.objects.filter(id__in=ids).select_related("project"))
    patches.sort(key=lambda p: ids.index(p.id))
    here = back_to(request, "/user/")
    if not patches:
        messages.error(request, "Nothing was bundled: select at least one patch first.")
        return HttpResponseRedirect(here)
    form = BundleForm(request.POST, bundles=list(Bundle.objects.filter(owner=request.user)))
    if not form.is_valid():
        messages.error(request, f"Nothing was bundled: {_errors(form)}")
        return HttpResponseRedirect(here)
    try:
        with transaction.atomic():
            bundle, added = _bundle_patches(request, form, patches)
    except ValidationError as error:
        messages.error(request, f"Nothing was bundled: {' '.join(error.messages)}")
        return HttpResponseRedirect(here)
    url = bundle_url(request.user.get_username(), bundle.name)
    messages.success(request, f"Added {_patches(added)} to bundle “{bundle.name}”.")
    return HttpResponseRedirect(url if request.POST.get("go") else here)


def _bundle_patches(request: HttpRequest, form: BundleForm, patches: list[Patch]):
    bundle = form.chosen
    if bundle is None:
        bundle = services.create_bundle(
            request.user, form.cleaned_data["name"], patches, public=form.cleaned_data["public"]
        )
        return bundle, len(patches)
    return bundle, services.add_bundle_patches(request.user, bundle, patches)
