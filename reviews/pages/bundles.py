# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bundle pages: a user's ordered patches, public to all or private to the owner."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render

from reviews import services
from reviews.checks import check_state_expression
from reviews.models import Bundle, BundlePatch, Patch
from reviews.pages.posting import login_first

__all__ = ["bundle_delete", "bundle_detail", "bundle_remove", "bundle_update", "bundle_url"]


def bundle_url(owner: str, name: str) -> str:
    return f"/bundle/{quote(owner, safe='')}/{quote(name, safe='')}/"


@dataclass
class BundlePage:
    bundle: Bundle
    patches: list[Patch]
    is_owner: bool

    @property
    def url(self) -> str:
        return bundle_url(self.bundle.owner.get_username(), self.bundle.name)

    @property
    def mbox_url(self) -> str:
        return f"{self.url}mbox/"


def find_bundle(request: HttpRequest, owner: str, name: str) -> Bundle:
    """A public bundle, or the user's own; anything else is 404, private or absent alike."""
    bundle = (
        Bundle.objects.visible_to(request.user)
        .select_related("owner", "project")
        .filter(owner__username=owner, name=name)
        .first()
    )
    if bundle is None:
        raise Http404("No such bundle")
    return bundle


def bundle_patches(bundle: Bundle) -> list[Patch]:
    """The bundle's patches in bundle order, as table rows."""
    order = {
        patch_id: n
        for n, patch_id in enumerate(
            BundlePatch.objects.filter(bundle=bundle)
            .order_by("order")
            .values_list("patch_id", flat=True)
        )
    }
    rows = (
        Patch.objects.filter(id__in=order).for_list().annotate(check_state=check_state_expression())
    )
    return sorted(rows, key=lambda p: order[p.id])


def bundle_detail(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    bundle = find_bundle(request, owner, name)
    page = BundlePage(
        bundle=bundle,
        patches=bundle_patches(bundle),
        is_owner=request.user.is_authenticated and request.user.pk == bundle.owner_id,
    )
    return render(request, "reviews/bundle.html", {"view": page})


def _own_bundle(request: HttpRequest, owner: str, name: str) -> Bundle:
    bundle = find_bundle(request, owner, name)
    services.check_bundle_owner(request.user, bundle)
    return bundle


@login_first
def bundle_remove(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    bundle = _own_bundle(request, owner, name)
    patch = get_object_or_404(Patch, id=request.POST.get("patch") or 0)
    services.remove_bundle_patch(request.user, bundle, patch)
    messages.success(request, f"Removed “{patch.name}” from the bundle.")
    return HttpResponseRedirect(bundle_url(owner, bundle.name))


@login_first
def bundle_update(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    bundle = _own_bundle(request, owner, name)
    public = request.POST.get("public") == "yes"
    services.update_bundle(request.user, bundle, public=public)
    messages.success(
        request, "The bundle is now public." if public else "The bundle is now private."
    )
    return HttpResponseRedirect(bundle_url(owner, bundle.name))


@login_first
def bundle_delete(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    bundle = _own_bundle(request, owner, name)
    services.delete_bundle(request.user, bundle)
    messages.success(request, f"Deleted bundle “{bundle.name}”.")
    return HttpResponseRedirect("/user/")
