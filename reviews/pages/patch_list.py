# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch list of a project: filters, sorting, one page of rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import BigIntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import SafeString

from archive.dbrouting import read_connection
from archive.models import Person
from archive.prepared_models import PreparedQuery
from reviews.listing import ACTION_REQUIRED, ALL_STATES, PatchListQuery
from reviews.models import Patch, Project, State
from reviews.pages.listextras import list_page
from reviews.pages.paging import BoundedPaginator
from reviews.pages.patchrows import render_rows
from reviews.pages.stamp import change_stamp

PER_PAGE = 50
# Bump when reviews/pages/patchrows.py changes: cached rows are keyed on it.
RENDER_VERSION = 5


@dataclass
class PatchListPage:
    project: Project
    query: PatchListQuery
    page: Page
    states: list[State]
    delegates: list
    submitter: Person | None
    rows_digest: str

    @property
    def show_delegate(self) -> bool:
        """The Delegate column, only when a patch in view has one (or it is filtered on)."""
        return bool(self.query.delegate) or any(p.delegate_id for p in self.page.object_list)

    @property
    def show_checks(self) -> bool:
        """The Checks column, only when a patch in view has a check."""
        return any(p.check_state for p in self.page.object_list)

    @property
    def rows_key(self) -> str:
        """A digest of everything the rows show, so their HTML is rendered once per change:
        the rows as read (``ListPage.digest``), the filters, the project and the day (the
        rows say how long each patch has waited)."""
        shown = (RENDER_VERSION, self.rows_digest, self.project.link_name, self.query.params(),
                 timezone.localdate())  # fmt: skip
        return hashlib.sha256(repr(shown).encode()).hexdigest()

    @property
    def rows_html(self) -> SafeString:
        return render_rows(self.page.object_list, self.query, self.show_delegate, self.show_checks)

    @property
    def state_label(self) -> str:
        if self.query.state == ACTION_REQUIRED:
            return "Action required"
        if self.query.state == ALL_STATES:
            return "Any state"
        names = {s.slug: s.name for s in self.states}
        return names.get(self.query.state, self.query.state)


def _count(project: Project, query: PatchListQuery, paginator: BoundedPaginator) -> int:
    """How many patches match, up to the paginator's bound (one past it: more),
    kept under the change stamp.

    Counting reads every matching index entry up to the bound (the filters of
    the review bench matched 25,000 and 180,000 patches at thirty times
    linux-rtc, 19 and 37 ms to count all), and the same filters are asked
    again and again between two changes. The minute is in the key because the
    wait and activity filters are measured from it (``waiting_as``).
    """
    minute = timezone.now().strftime("%Y%m%d%H%M")
    text = f"{project.id}|{project.stamp}|{minute}|{paginator.bound}|{query.params(page=1)}"
    key = "patch_list_count:" + hashlib.sha256(text.encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        count = paginator.count
        cache.set(key, count, 3600)
    return count


def _project_queryset(link_name: str) -> QuerySet[Project]:
    return (
        Project.objects.select_related("mailing_list")
        .annotate(
            stamp=change_stamp(),
            action_states=RawSQL(
                f"ARRAY(SELECT id FROM {State._meta.db_table} WHERE action_required ORDER BY id)",
                (),
                output_field=ArrayField(BigIntegerField()),
            ),
        )
        .filter(link_name=link_name)
    )


# The project with its change stamp (seven index probes) and the states that
# require action: planned once per connection, compiled once per process.
_PROJECT: PreparedQuery[Project] = PreparedQuery("threadwork_list_project", _project_queryset)


def patch_list_page(link_name: str, query: PatchListQuery) -> PatchListPage:
    project = _PROJECT.get_or_404(Project, link_name=link_name)
    matching = Patch.objects.filter(project=project).matching(query, project.action_states)
    # The ORM says which patches and in what order, as ids (an index can
    # answer that alone); their rows come by id in one prepared statement.
    paginator = BoundedPaginator(matching.values_list("id", flat=True), PER_PAGE, query.page)
    # kept or counted: the paginator need not ask again
    paginator.count = _count(project, query, paginator)
    page = paginator.get_page(query.page)
    extras = list_page(read_connection(Patch), project, list(page.object_list))
    page.object_list = extras.patches
    submitter = (
        Person.objects.select_related("canonical").filter(id=query.submitter).first()
        if query.submitter
        else None
    )
    return PatchListPage(
        project=project,
        query=query,
        page=page,
        states=extras.states,
        delegates=extras.delegates,
        submitter=submitter.identity if submitter else None,
        rows_digest=extras.digest,
    )
