# SPDX-License-Identifier: AGPL-3.0-or-later
"""Query filters of the API lists, as Patchwork reads them.

Related objects are named by id or by their natural key (project link name,
person email, user name, state slug); filters repeat (``state=new&state=rfc``);
an empty value means no filter (git-pw sends ``project=`` for "all"); a value
naming nothing gives an empty list rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.text import slugify
from django_filters.widgets import QueryArrayWidget

from archive.models import Person
from reviews.api.links import parse_bool
from reviews.models import Bundle, Check, Cover, Event, Patch, Project, Series

__all__ = [
    "BundleFilterSet",
    "CheckFilterSet",
    "CoverFilterSet",
    "EventFilterSet",
    "PatchFilterSet",
    "PersonFilterSet",
    "ProjectFilterSet",
    "SeriesFilterSet",
    "UserFilterSet",
]


class _ListField(forms.Field):
    widget = QueryArrayWidget

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        cleaned = [str(v).strip() for v in values if str(v).strip()]
        # A 400 as for CharFilter's values: PostgreSQL text cannot hold NUL.
        for text in cleaned:
            ProhibitNullCharactersValidator()(text)
        return cleaned


class ListFilter(django_filters.Filter):
    """A repeatable filter; its method gets the list of non-empty values."""

    field_class = _ListField


def _by_key(prefix: str, key: str, transform: Callable[[str], str] = str) -> Callable:
    """Match ``<prefix>_id`` for numbers, else the ids whose ``key`` matches (case-insensitive).

    Natural keys are turned into ids by a small query first: filtering on a
    joined ``UPPER(link_name)`` leaves PostgreSQL guessing how many rows match,
    and it then sorts the whole table instead of walking the primary key.
    """

    def method(queryset: QuerySet, name: str, values: Sequence[str]) -> QuerySet:
        ids = {int(v) for v in values if v.isdecimal()}
        keys = [transform(v) for v in values if not v.isdecimal()]
        if keys:
            related = queryset.model._meta.get_field(prefix).related_model
            match = reduce(or_, (Q(**{f"{key}__iexact": k}) for k in keys))
            # A word where a number belongs matches nothing.
            with suppress(ValueError, ValidationError):
                ids.update(related._default_manager.filter(match).values_list("pk", flat=True))
        return queryset.filter(**{f"{prefix}_id__in": sorted(ids)})

    return method


def _by_person(queryset: QuerySet, name: str, values: Sequence[str]) -> QuerySet:
    """``submitter``: people by id or address, each with every address merged with it."""
    ids = [int(v) for v in values if v.isdecimal()]
    emails = [v.lower() for v in values if not v.isdecimal()]
    named = Person.objects.filter(Q(id__in=ids) | Q(email__in=emails))
    roots = named.annotate(root=Coalesce("canonical_id", "id")).values("root")
    people = Person.objects.filter(Q(id__in=roots) | Q(canonical_id__in=roots))
    # Ids first, as _by_key does: a plain list plans better than a join.
    return queryset.filter(submitter_id__in=sorted(people.values_list("id", flat=True)))


def _person_search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """``q`` on people: every word in the name or address of one of the person's addresses."""
    for word in value.split():
        rows = Person.objects.filter(Q(name__icontains=word) | Q(email__icontains=word))
        queryset = queryset.filter(id__in=rows.values(root=Coalesce("canonical_id", "id")))
    return queryset


def _search(*fields: str) -> Callable:
    """``q``: every word in one of ``fields``."""

    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields))
            )
        return queryset

    return method


def _ignore(queryset: QuerySet, name: str, value: object) -> QuerySet:
    return queryset


def _boolean(queryset: QuerySet, name: str, value: str) -> QuerySet:
    flag = parse_bool(value)
    return queryset if flag is None else queryset.filter(**{name: flag})


def _msgid(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return queryset.filter(message__msgid=value.strip().strip("<>"))


def _hash(queryset: QuerySet, name: str, value: str) -> QuerySet:
    # Stored as lowercase hex: matched case-blind, as Patchwork does, through
    # the hash's index (``iexact`` would compare upper() of every row).
    return queryset.filter(hash=value.strip().lower())


def _state_slug(value: str) -> str:
    return slugify(value.lower())


class _Dated(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="date", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="date", lookup_expr="lt")


def _project_filter() -> ListFilter:
    return ListFilter(method=_by_key("project", "link_name"))


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search("link_name", "list_id", "name"))

    class Meta:
        model = Project
        fields: list[str] = []


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_person_search)
    # git-pw adds project= to every list; people are not per project.
    project = django_filters.CharFilter(method=_ignore)

    class Meta:
        model = Person
        fields: list[str] = []


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search("username", "first_name", "last_name", "email"))
    project = django_filters.CharFilter(method=_ignore)

    class Meta:
        model = get_user_model()
        fields: list[str] = []


class PatchFilterSet(_Dated):
    project = _project_filter()
    state = ListFilter(method=_by_key("state", "slug", _state_slug))
    submitter = ListFilter(method=_by_person)
    delegate = ListFilter(method=_by_key("delegate", "username"))
    series = ListFilter(method=_by_key("series", "pk"))
    archived = django_filters.CharFilter(method=_boolean)
    hash = django_filters.CharFilter(method=_hash)
    msgid = django_filters.CharFilter(method=_msgid)
    q = django_filters.CharFilter(method=_search("name"))

    class Meta:
        model = Patch
        fields: list[str] = []


class CoverFilterSet(_Dated):
    project = _project_filter()
    series = ListFilter(method=_by_key("series", "pk"))
    submitter = ListFilter(method=_by_person)
    msgid = django_filters.CharFilter(method=_msgid)
    q = django_filters.CharFilter(method=_search("name"))

    class Meta:
        model = Cover
        fields: list[str] = []


class SeriesFilterSet(_Dated):
    project = _project_filter()
    submitter = ListFilter(method=_by_person)
    q = django_filters.CharFilter(method=_search("name"))

    class Meta:
        model = Series
        fields: list[str] = []


class CheckFilterSet(_Dated):
    user = ListFilter(method=_by_key("user", "username"))
    state = ListFilter(field_name="state", lookup_expr="in")
    context = django_filters.CharFilter(field_name="context")

    class Meta:
        model = Check
        fields: list[str] = []


class EventFilterSet(django_filters.FilterSet):
    # By when Threadwork wrote the event (Event.recorded), not the mail's date.
    since = django_filters.IsoDateTimeFilter(field_name="recorded", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="recorded", lookup_expr="lt")
    project = _project_filter()
    category = ListFilter(field_name="category", lookup_expr="in")
    series = ListFilter(method=_by_key("series", "pk"))
    patch = ListFilter(method=_by_key("patch", "pk"))
    cover = ListFilter(method=_by_key("cover", "pk"))
    actor = ListFilter(method=_by_key("actor", "username"))

    class Meta:
        model = Event
        fields: list[str] = []


class BundleFilterSet(django_filters.FilterSet):
    project = _project_filter()
    owner = ListFilter(method=_by_key("owner", "username"))
    public = django_filters.CharFilter(method=_boolean)
    q = django_filters.CharFilter(method=_search("name"))

    class Meta:
        model = Bundle
        fields: list[str] = []
