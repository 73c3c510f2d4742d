# SPDX-License-Identifier: AGPL-3.0-or-later
"""Read views of projects, people, users, patches, covers, series and comments.

Each list costs a fixed number of queries whatever the page size: related
rows are joined or prefetched, big text columns left out of lists.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from archive.models import SEARCH_VECTORS, Message, Person
from archive.prepared_models import PreparedQuery
from reviews import services
from reviews.api import filters, serializers, writes
from reviews.api.base import ApiView, call_service
from reviews.api.links import Links
from reviews.checks import check_state_expression
from reviews.models import Comment, Cover, Patch, Project, Series

RESOURCES = (
    "bundles", "covers", "events", "patches", "people", "projects", "series", "users",
)  # fmt: skip
_BIG_MESSAGE_FIELDS = ("body", *SEARCH_VECTORS, "references", "to", "cc")


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request, version: str | None = None) -> Response:
    links = Links(request, version)
    return Response({name: f"{links.api}/{name}/" for name in RESOURCES})


class _Projects(ApiView):
    serializer_class = serializers.ProjectDetailSerializer
    filterset_class = filters.ProjectFilterSet
    ordering_fields = ["id", "name", "link_name", "list_id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return Project.objects.prefetch_related("maintainers").order_by("id")


class ProjectList(_Projects, generics.ListAPIView):
    pass


class ProjectDetail(_Projects, generics.RetrieveAPIView):
    def get_object(self) -> Project:
        """By id or by link name, as on Patchwork."""
        key = self.kwargs["pk"]
        lookup = {"pk": int(key)} if key.isdecimal() else {"link_name": key}
        return get_object_or_404(self.get_queryset(), **lookup)


class _People(ApiView):
    serializer_class = serializers.PersonDetailSerializer
    filterset_class = filters.PersonFilterSet
    ordering_fields = ["id", "name", "email"]
    ordering = ["id"]
    # One row per person: addresses merged into another are found through it.
    queryset = Person.objects.identities().order_by("id")


class PersonList(_People, generics.ListAPIView):
    pass


class PersonDetail(_People, generics.RetrieveAPIView):
    # By any of the person's addresses' ids: a merged one answers as the person.
    queryset = Person.objects.select_related("canonical").order_by("id")


class _Users(ApiView):
    serializer_class = serializers.UserDetailSerializer
    filterset_class = filters.UserFilterSet
    ordering_fields = ["id", "username", "email"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return get_user_model().objects.filter(is_active=True).order_by("id")


class UserList(_Users, generics.ListAPIView):
    pass


class UserDetail(_Users, generics.RetrieveAPIView):
    pass


def _msgid() -> Subquery:
    return Subquery(Message.objects.filter(pk=OuterRef("message_id")).values("msgid")[:1])


def _patches() -> QuerySet:
    # Every join multiplies PostgreSQL's planning time (7 ms for seven tables,
    # far more than running the query), so the Message-ID is a subquery and
    # the delegate, often absent, is prefetched.
    # The combined check state is computed in the same query (as on the patch
    # page) rather than from a prefetch of every check: a round trip less.
    return (
        Patch.objects.select_related("project", "state", "submitter__canonical", "series")
        .annotate(msgid=_msgid(), check_state=check_state_expression())
        .prefetch_related("delegate")
    )


class PatchList(ApiView, generics.ListAPIView):
    serializer_class = serializers.PatchListSerializer
    filterset_class = filters.PatchFilterSet
    ordering_fields = ["id", "name", "project", "date", "state", "archived", "submitter"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return _patches().defer("commit_message_text", "diff_text", "diffstat")


@cache
def _patch_detail_queryset() -> QuerySet:
    return (
        _patches()
        # One patch, its statement planned once per connection (PreparedQuery):
        # the delegate joins, where the list prefetches it. Even a patch with no
        # delegate paid for the prefetch's compiled query, ~0.4 ms of a first view.
        .prefetch_related(None)
        # Headers are read from the raw mail (Message.headers).
        .select_related("delegate", "message__rawmail", "project__mailing_list")
        .defer(*(f"message__{f}" for f in _BIG_MESSAGE_FIELDS))
        .with_texts()
    )


def _patch_by_id(pk: int) -> QuerySet[Patch]:
    return _patch_detail_queryset().filter(pk=pk).order_by()[:1]


# Django compiled the seven-table join on every request (a fifth of a first
# request) and PostgreSQL planned it every time: now once per process and
# once per connection.
_PATCH_BY_ID: PreparedQuery[Patch] = PreparedQuery("threadwork_api_patch", _patch_by_id)


def find_patch_by_id(pk: int) -> Patch | None:
    """The patch as the API detail shows it, or None; compiled once per process
    and prepared once per connection (``reviews.warmup`` does both early)."""
    return _PATCH_BY_ID.first(Patch, pk=pk)


class PatchDetail(ApiView, generics.RetrieveAPIView):
    """GET a patch; PATCH (or PUT) its state, delegate, archived flag, commit ref."""

    serializer_class = serializers.PatchDetailSerializer

    def get_queryset(self) -> QuerySet:
        # A clone of a queryset built once per process: resolving its joins,
        # annotations and deferrals was a fifth of a first request's time.
        return _patch_detail_queryset().all()

    def get_object(self) -> Any:
        # As GenericAPIView.get_object (no filters apply to one patch), with the
        # statement compiled once per process and prepared per connection.
        patch = find_patch_by_id(self.kwargs["pk"])
        if patch is None:
            raise Http404("No Patch matches the given query.")
        self.check_object_permissions(self.request, patch)
        # Its project's names come with it: the links need no query of all projects.
        project = patch.project
        links = self.get_serializer_context()["links"]
        links.remember(project.id, project.link_name, project.mailing_list.name)
        return patch

    @extend_schema(request=writes.PatchInput, responses=serializers.PatchDetailSerializer)
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patch = self.get_object()
        form = writes.PatchInput(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        call_service(services.update_patch, request.user, patch, **form.validated_data)
        fresh = self.get_queryset().get(pk=patch.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=writes.PatchInput, responses=serializers.PatchDetailSerializer)
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.patch(request, *args, **kwargs)


def _covers() -> QuerySet:
    return Cover.objects.select_related("project", "submitter__canonical", "series").annotate(
        msgid=F("message__msgid")
    )


class CoverList(ApiView, generics.ListAPIView):
    serializer_class = serializers.CoverListSerializer
    filterset_class = filters.CoverFilterSet
    ordering_fields = ["id", "name", "date", "submitter"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return _covers()


class CoverDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.CoverDetailSerializer

    def get_queryset(self) -> QuerySet:
        return _covers().select_related("message__rawmail")


class _Series(ApiView):
    serializer_class = serializers.SeriesSerializer
    filterset_class = filters.SeriesFilterSet
    ordering_fields = ["id", "name", "date", "submitter", "received_all"]
    # received_all is a property of Series, not a column (reviews/api/base.py).
    ordering_expressions = {
        "received_all": ExpressionWrapper(
            Q(received_total__gte=F("total")), output_field=BooleanField()
        )
    }
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        patches = (
            Patch.objects.only("id", "name", "date", "number", "project_id", "series_id")
            .annotate(msgid=F("message__msgid"))
            .order_by("number", "date", "id")
        )
        return (
            Series.objects.select_related("project", "submitter__canonical", "cover__message")
            .defer(*(f"cover__message__{f}" for f in _BIG_MESSAGE_FIELDS))
            .prefetch_related(Prefetch("patches", queryset=patches))
        )


class SeriesList(_Series, generics.ListAPIView):
    pass


class SeriesDetail(_Series, generics.RetrieveAPIView):
    pass


class _Comments(ApiView):
    serializer_class = serializers.CommentSerializer
    ordering_fields = ["id", "date"]
    owner_kind = ""

    def _owner(self) -> Patch | Cover:
        model = Patch if self.owner_kind == "patches" else Cover
        if not hasattr(self, "_owner_obj"):
            self._owner_obj = get_object_or_404(model.objects.only("id", "project_id"),
                                                pk=self.kwargs["pk"])  # fmt: skip
        return self._owner_obj

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Comment.objects.none()
        owner = self._owner()
        key = "patch" if self.owner_kind == "patches" else "cover"
        return (
            Comment.objects.filter(**{key: owner})
            .select_related("message__author__canonical", "message__rawmail")
            .defer(*(f"message__{f}" for f in SEARCH_VECTORS))
            .order_by("message__date", "id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        owner = self._owner()
        context.update(owner_kind=self.owner_kind, owner_id=owner.id, project_id=owner.project_id)
        return context


class PatchCommentList(_Comments, generics.ListAPIView):
    owner_kind = "patches"


class CoverCommentList(_Comments, generics.ListAPIView):
    owner_kind = "covers"


class PatchCommentDetail(_Comments, generics.RetrieveAPIView):
    owner_kind = "patches"
    lookup_url_kwarg = "comment_id"


class CoverCommentDetail(_Comments, generics.RetrieveAPIView):
    owner_kind = "covers"
    lookup_url_kwarg = "comment_id"
