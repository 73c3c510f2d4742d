# SPDX-License-Identifier: AGPL-3.0-or-later
"""The maintainer workflow's controls and badges, for the review pages' templates.

Each tag asks only what the current user may do; the views that take the
posts (reviews.pages.actions) check again through the services. Anonymous
visitors cost no query here.
"""

from __future__ import annotations

from typing import Any

from django import template

from reviews import services
from reviews.checks import latest_checks
from reviews.forms import BulkPatchForm, BundleForm, PatchForm, PatchStateForm, SeriesStateForm
from reviews.models import Bundle, Patch, Project, Series, State
from reviews.pages.bundles import bundle_url

register = template.Library()

CHECK_LABELS = {"success": "✓", "warning": "!", "fail": "✗", "pending": "…"}


def _base(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }


def _own_bundles(user, project_id: int) -> list[Bundle]:
    return list(Bundle.objects.filter(owner=user, project_id=project_id).order_by("name"))


@register.inclusion_tag("reviews/_patch_actions.html", takes_context=True)
def patch_actions(context: template.Context, patch: Patch) -> dict[str, Any]:
    out = _base(context)
    user = out["user"]
    out["patch"] = patch
    if not user.is_authenticated:
        return out
    if services.can_change_patch(user, patch):
        out["form"] = PatchForm.for_patch(patch)
        out["maintainer"] = True
    elif services.is_submitter(user, patch):
        out["form"] = PatchStateForm(initial={"state": patch.state.slug})
    out["bundle_form"] = BundleForm(bundles=_own_bundles(user, patch.project_id))
    return out


@register.inclusion_tag("reviews/_series_actions.html", takes_context=True)
def series_actions(context: template.Context, series: Series, patches: list[Patch]) -> dict:
    out = _base(context)
    user = out["user"]
    out["series"] = series
    if not user.is_authenticated or not patches:
        return out
    submitter = series.submitter
    own = (
        bool(user.email) and submitter is not None and user.email.lower() == submitter.email.lower()
    )
    if own or services.is_maintainer(user, series.project):
        # No state is chosen for the maintainer: a whole series is changed on purpose.
        out["form"] = SeriesStateForm()
        out["states"] = list(State.objects.all())
    return out


@register.inclusion_tag("reviews/_bulk_actions.html", takes_context=True)
def bulk_actions(
    context: template.Context,
    project: Project,
    matching: int = 0,
    filter_query: str = "",
    matching_label: str = "",
) -> dict[str, Any]:
    """The list's bulk bar; ``matching`` patches match ``filter_query`` beyond this page
    (``matching_label`` says how many in words when they were not all counted)."""
    out = _base(context)
    user = out["user"]
    out["project"] = project
    out["matching"] = matching
    out["matching_text"] = matching_label or f"{matching:,}"
    out["filter_query"] = filter_query
    if not user.is_authenticated:
        return out
    if services.is_maintainer(user, project):
        out["form"] = BulkPatchForm(project=project)
    out["bundle_form"] = BundleForm(bundles=_own_bundles(user, project.id))
    return out


@register.inclusion_tag("reviews/_patch_checks.html")
def patch_checks(patch: Patch) -> dict[str, Any]:
    """The latest result of each check context (no query when the patch has none)."""
    state = getattr(patch, "check_state", None)
    return {"state": state, "checks": latest_checks(patch.id) if state else []}


@register.inclusion_tag("reviews/_check_badge.html")
def check_badge(state: str | None) -> dict[str, Any]:
    return {"state": state, "label": CHECK_LABELS.get(state or "", "")}


@register.inclusion_tag("reviews/_revision_notes.html")
def revision_notes(revisions: list[Series], series: Series | None, link_name: str) -> dict:
    """“Superseded by v2” on older revisions, “supersedes v1” on newer ones."""
    if series is None:
        return {}
    newer = [r for r in revisions if r.version > series.version]
    older = [r for r in revisions if r.version < series.version]
    return {
        "newer": newer[0] if newer else None,
        "older": older[-1] if older else None,
        "link_name": link_name,
    }


@register.filter
def bundle_link(bundle: Bundle, owner: str) -> str:
    return bundle_url(owner, bundle.name)
