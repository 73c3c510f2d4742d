# SPDX-License-Identifier: AGPL-3.0-or-later
"""The review pages' prepared statements, made ready when a web worker starts.

The patch page's key (``reviews.pages.patch.find_patch``) is compiled once
per process and prepared once per connection: ~25 ms that the first visitor
of a patch after a start or a restart would otherwise wait for. Run by
``settings.THREADWORK_WORKER_WARM_UP`` after the archive's connection warm-up.
"""

from __future__ import annotations

import contextlib

from django.contrib.auth import get_user_model
from django.http import Http404

from archive.dbrouting import read_connection
from archive.prepared import settle_plan
from reviews.api.views import find_patch_by_id
from reviews.lineage import lineage_of
from reviews.listing import PatchListQuery
from reviews.models import Event, Patch, Project, Series
from reviews.pages.answers import answered_replies
from reviews.pages.common import collected_trailers, patch_discussion, revisions, series_patches
from reviews.pages.eventpage import page_parts
from reviews.pages.events import find_project
from reviews.pages.home import home_key
from reviews.pages.listextras import list_page
from reviews.pages.paging import COUNT_BOUND
from reviews.pages.patch import find_patch
from reviews.pages.patch_list import patch_list_page
from reviews.pages.queue import PER_PAGE, TABS, queue_key
from reviews.pages.queuesql import tab_counts, tab_page
from reviews.pages.revisions import lineage
from reviews.pages.series import series_page
from reviews.pairmemo import stored_pairings
from reviews.views import PATCH_FRAMES

__all__ = ["warm_api_patch", "warm_lists", "warm_patch_page", "warm_queue"]


def warm_patch_page() -> None:
    """Look up a patch that is nowhere until its statement keeps one plan: the
    statement is compiled, prepared and planned before the first visitor; then
    the page's other reads, each for keys nothing has."""
    settle_plan(_find_no_patch)
    # Each is planned afresh on a connection's first five runs: on the first
    # visitors' views, with the catalog reads of a new backend (the first cold
    # request over HTTP was the slowest of the bench's sixty).
    settle_plan(_read_nothing)
    # Each project's list's frame of the page, for visitors not logged in.
    PATCH_FRAMES.warm(list(Project.objects.values_list("mailing_list__name", flat=True)))


def _find_no_patch() -> None:
    with contextlib.suppress(Http404):
        find_patch("warm-up.invalid", "warm-up.invalid")


def _read_nothing() -> None:
    nowhere = Series(id=0)  # never saved: only its id (and lineage, none) is read
    with contextlib.suppress(Http404):
        series_page("warm-up.invalid", 0)  # the series page's key, prepared
    patch_discussion(0, "")
    collected_trailers(0, "", patch_id=0, series_id=0)
    series_patches(nowhere)
    lineage(revisions(nowhere))
    stored_pairings(["warm-up"])
    answered_replies(0, "")
    lineage_of(0)


def warm_api_patch() -> None:
    """The API patch detail's statement, compiled and prepared by asking for a key
    no patch has (the first API client otherwise waits for it)."""
    find_patch_by_id(0)


def warm_lists() -> None:
    """The patch list's, the events page's and the home page's statements (their
    projects, a page's rows, the home page's key), compiled and prepared with no
    rows to read."""
    nowhere = Project(id=0)
    with contextlib.suppress(Http404):
        patch_list_page("warm-up.invalid", PatchListQuery())
    with contextlib.suppress(Http404):
        find_project("warm-up.invalid")
    home_key()
    list_page(read_connection(Patch), nowhere, [])
    page_parts(read_connection(Event), [], nowhere)
    page_parts(read_connection(Event), [], None)


def warm_queue() -> None:
    """My queue's statements (its key, the tab counts, a page of each tab), prepared
    and planned for a user nobody is, before the first visitor's queue."""
    db = read_connection(Series)
    user = get_user_model()
    nobody = user(id=0, email="warm-up@warm-up.invalid")
    # The counts are one statement per shape: a user without an address has no tab
    # of their own series to count.
    for who in (nobody, user(id=0, email="")):
        tab_counts(db, who, [t.slug for t in TABS], COUNT_BOUND)
    queue_key(nobody, TABS[0], None)
    for tab in TABS:
        tab_page(db, nobody, tab.slug, 0, PER_PAGE)
