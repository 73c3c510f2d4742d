"""The patch list's rows written in Python (reviews/pages/patchrows.py) are the
markup of reviews/_patch_rows.html, byte for byte, in every column the list shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from tests.ui.test_queue import many_series  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _both(query_string: str) -> tuple[str, str, object]:
    from reviews.listing import parse_list_query
    from reviews.pages.patch_list import patch_list_page
    from reviews.pages.patchrows import render_rows

    query = parse_list_query(QueryDict(query_string))
    view = patch_list_page("q", query)
    template = render_to_string(
        "reviews/_patch_rows.html",
        {"patches": view.page.object_list, "selectable": True, "show_series": True,
         "show_submitter": True, "show_delegate": view.show_delegate,
         "show_checks": view.show_checks, "show_review": True, "filter_query": query},
    )  # fmt: skip
    python = render_rows(view.page.object_list, query, view.show_delegate, view.show_checks)
    return template, str(python), view


def test_rows_in_python_are_the_templates(many_series):  # noqa: F811
    from django.contrib.auth import get_user_model

    from archive.models import Person
    from reviews.models import Check, Patch, Series

    mo = many_series(8)
    template, python, view = _both("state=*")
    assert python == template and "<tr" in python  # no delegate, no checks
    assert not view.show_delegate and not view.show_checks  # type: ignore[attr-defined]
    # every optional piece: a delegate, a check, an archived patch, a second
    # version with a long name to truncate, markup in names, a merged address
    # and a patch with neither series nor submitter
    Patch.objects.filter(name="[PATCH] rtc: fix 1").update(
        delegate=mo, archived=True, name="[PATCH] <b>rtc</b> & co"
    )
    patch = Patch.objects.get(name="[PATCH] rtc: fix 2")
    Check.objects.create(patch=patch, user=mo, date=timezone.now(), state="fail")
    Series.objects.filter(id=patch.series_id).update(version=2, name="rtc: " + "x" * 60)
    canonical = Person.objects.create(name="Sam <S>", email="sam@elsewhere.org")
    Person.objects.filter(email="sam@example.org").update(canonical=canonical)
    Patch.objects.filter(name="[PATCH] rtc: fix 3").update(series=None, submitter=None)
    # a long name with combining characters (cut by Truncator's own walk), and a
    # date before the year 1000 (the date filter pads the year to four digits)
    other = Patch.objects.get(name="[PATCH] rtc: fix 4")
    Series.objects.filter(id=other.series_id).update(name="rtc: " + "e\u0301" * 60)
    Patch.objects.filter(id=other.id).update(date=dt.datetime(999, 5, 6, 7, 8, tzinfo=dt.UTC))
    get_user_model().objects.filter(id=mo.id).update(username="mo&co")
    for query in ("state=*&archived=both", "state=*&archived=both&order=-date"):
        template, python, view = _both(query)
        assert view.show_delegate and view.show_checks  # type: ignore[attr-defined]
        assert python == template, query
        assert "archived" in python and "ck-fail" in python and "mo&amp;co" in python
        assert "&lt;b&gt;rtc&lt;/b&gt;" in python and "Sam &lt;S&gt;" in python
        assert ">0999-05-06</time>" in python and "x" * 42 + "…" in python
