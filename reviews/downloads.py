# SPDX-License-Identifier: AGPL-3.0-or-later
"""mbox and raw downloads of patches, series and bundles, as the API links them.

Every response is an attachment named ``NAME.patch`` (unquoted: pwclient
cuts the last six characters, git-pw takes everything after ``filename=``).
A URLconf of its own, included from ``reviews/urls.py``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, re_path
from django.views.decorators.http import require_safe
from rest_framework.authentication import BasicAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from archive.converters import MSGID_GROUP
from archive.mbox import mboxrd_message
from archive.models import RawMail
from reviews.models import Bundle, BundlePatch, Cover, Patch
from reviews.patch_mbox import download_filename, patches_mbox

__all__ = ["urlpatterns"]

_MAIL_FIELDS = ("submitter", "message", "project")


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def _patch(link_name: str, msgid: str) -> Patch:
    return get_object_or_404(
        Patch.objects.select_related(*_MAIL_FIELDS),
        project__link_name=link_name,
        message__msgid=msgid,
    )


def _series_patches(series_id: int, upto: Patch | None = None) -> list[Patch]:
    patches = Patch.objects.filter(series_id=series_id).select_related(*_MAIL_FIELDS)
    ordered = sorted(patches, key=lambda p: (p.number or 0, p.date or p.message.date, p.id))
    if upto is None:
        return ordered
    index = next(i for i, p in enumerate(ordered) if p.id == upto.id)
    return ordered[: index + 1]


@require_safe
def patch_mbox(request: HttpRequest, link_name: str, msgid: str) -> HttpResponse:
    """The patch, or with ``?series=*``/``?series=N`` its series up to it."""
    patch = _patch(link_name, msgid)
    wanted = request.GET.get("series")
    patches = [patch]
    if wanted and patch.series_id is not None:
        if wanted != "*" and wanted != str(patch.series_id):
            raise Http404("The patch is not in that series.")
        patches = _series_patches(patch.series_id, upto=patch)
    elif wanted and wanted != "*":
        raise Http404("The patch is not in a series.")
    return _attachment(patches_mbox(patches), download_filename(patch.name, f"patch-{patch.id}"))


@require_safe
def patch_raw(request: HttpRequest, link_name: str, msgid: str) -> HttpResponse:
    """The mail exactly as received."""
    patch = _patch(link_name, msgid)
    return _attachment(_mail(patch.message_id), download_filename(patch.name, f"patch-{patch.id}"))


@require_safe
def cover_mbox(request: HttpRequest, link_name: str, msgid: str) -> HttpResponse:
    cover = get_object_or_404(
        Cover.objects.select_related("message"), project__link_name=link_name,
        message__msgid=msgid,
    )  # fmt: skip
    data = mboxrd_message(_mail(cover.message_id))
    return _attachment(data, download_filename(cover.name, f"cover-{cover.id}"))


@require_safe
def series_mbox(request: HttpRequest, series_id: int) -> HttpResponse:
    """Every patch of the series in order; ``?cover=1`` puts the cover letter first.

    The cover letter is left out by default because ``git am`` stops on it.
    """
    patches = _series_patches(series_id)
    if not patches:
        raise Http404("No patches in that series.")
    data = patches_mbox(patches)
    if request.GET.get("cover", "").lower() in ("1", "true", "yes"):
        cover = Cover.objects.filter(series_id=series_id).first()
        raw = RawMail.objects.mail_of(cover.message_id) if cover else None
        if raw is not None:
            data = mboxrd_message(raw) + data
    series = patches[0].series
    name = series.name if series is not None else ""
    return _attachment(data, download_filename(name, f"series-{series_id}"))


@require_safe
def bundle_mbox(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """A public bundle for anyone; a private one for its owner only (else 404)."""
    user = _api_user(request)
    bundle = get_object_or_404(Bundle.objects.visible_to(user), owner__username=owner, name=name)
    entries = BundlePatch.objects.filter(bundle=bundle).order_by("order")
    fields = [f"patch__{f}" for f in _MAIL_FIELDS]
    patches = [e.patch for e in entries.select_related(*fields)]
    return _attachment(patches_mbox(patches), download_filename(bundle.name, "bundle"))


def _api_user(request: HttpRequest):
    """The session user, or the one a client's token or Basic credentials name."""
    if request.user.is_authenticated:
        return request.user
    drf_request = Request(request)
    for authenticator in (TokenAuthentication(), BasicAuthentication()):
        try:
            found = authenticator.authenticate(drf_request)
        except AuthenticationFailed:
            return None
        if found is not None:
            return found[0]
    return None


urlpatterns = [
    re_path(rf"^project/(?P<link_name>[-\w]+)/patch/{MSGID_GROUP}/mbox/$", patch_mbox,
            name="patch-mbox"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/patch/{MSGID_GROUP}/raw/$", patch_raw,
            name="patch-raw"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/cover/{MSGID_GROUP}/mbox/$", cover_mbox,
            name="cover-mbox"),
    path("series/<int:series_id>/mbox/", series_mbox, name="series-mbox"),
    path("bundle/<segment:owner>/<segment:name>/mbox/", bundle_mbox, name="bundle-mbox"),
]  # fmt: skip


def _mail(message_id: int) -> bytes:
    """The raw mail of a message, or a 404 when none is kept."""
    raw = RawMail.objects.mail_of(message_id)
    if raw is None:
        raise Http404("No raw mail is kept for that message.")
    return raw
