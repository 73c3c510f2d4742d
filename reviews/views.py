"""Review pages. Thin: parse input, call one page function (reviews.pages), render."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe

from archive.views.frame import PageFrames, marker
from reviews import links
from reviews.listing import parse_list_query
from reviews.models import Patch
from reviews.pages.compare import compare_page
from reviews.pages.home import home_projects
from reviews.pages.interdiff import interdiff_page
from reviews.pages.patch import patch_page
from reviews.pages.patch_list import patch_list_page
from reviews.pages.person import person_identity, person_page
from reviews.pages.series import cover_page, series_page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/home.html", {"projects": home_projects()})


def patch_list(request: HttpRequest, link_name: str) -> HttpResponse:
    page = patch_list_page(link_name, parse_list_query(request.GET))
    # search_list: the header's search box searches the project's list (base.html).
    context = {"view": page, "search_list": page.project.mailing_list.name}
    return render(request, "reviews/patch_list.html", context)


@dataclass(frozen=True)
class _MarkedPatch:
    """What ``reviews/patch.html`` reads of its page for a visitor not logged in."""

    title: str = marker("title")
    before_actions: str = mark_safe(marker("before"))  # markers, nothing from outside
    after_actions: str = mark_safe(marker("after"))
    patch: None = None  # the actions box reads no patch for such a visitor


PATCH_FRAMES = PageFrames(
    "reviews/patch.html",
    lambda list_name: {"view": _MarkedPatch(), "search_list": list_name},
    # The login link is in the header and in the actions box.
    {"title": 1, "before": 1, "after": 1, "next": 2},
)


def patch_detail(request: HttpRequest, link_name: str, msgid: str) -> HttpResponse:
    page = patch_page(link_name, msgid)
    context = {"view": page, "search_list": page.list_name}
    values = {"title": page.title, "before": page.before_actions, "after": page.after_actions}
    return PATCH_FRAMES.response(request, page.list_name, context, values)


def patch_interdiff(request: HttpRequest, link_name: str, msgid: str, other: str) -> HttpResponse:
    page = interdiff_page(link_name, msgid, other)
    return render(request, "reviews/interdiff.html", {"view": page})


def series_compare(
    request: HttpRequest, link_name: str, series_id: int, other_id: int
) -> HttpResponse:
    page = compare_page(link_name, series_id, other_id)
    return render(request, "reviews/compare.html", {"view": page})


def patch_by_id(request: HttpRequest, patch_id: int) -> HttpResponse:
    patch = get_object_or_404(
        Patch.objects.select_related("project", "message").only(
            "project__link_name", "message__msgid"
        ),
        id=patch_id,
    )
    return redirect(links.patch_url(patch.project.link_name, patch.message.msgid))


def cover_detail(request: HttpRequest, link_name: str, msgid: str) -> HttpResponse:
    page = cover_page(link_name, msgid)
    return render(request, "reviews/series.html", {"view": page, "search_list": page.list_name})


def series_detail(request: HttpRequest, link_name: str, series_id: int) -> HttpResponse:
    page = series_page(link_name, series_id)
    return render(request, "reviews/series.html", {"view": page, "search_list": page.list_name})


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_identity(person_id)
    if person.id != person_id:
        # An address merged into another: the person's page is under that one's id.
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(links.person_url(person.id) + query)
    page = person_page(
        person, patches_page=request.GET.get("patches"), given_page=request.GET.get("reviews")
    )
    return render(request, "reviews/person.html", {"view": page})
