# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checks, events and bundles: the API resources people and bots write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from reviews import services
from reviews.api import filters, serializers, writes
from reviews.api.base import ApiView, call_service
from reviews.models import Bundle, BundlePatch, Check, Event, Patch

__all__ = ["BundleDetail", "BundleList", "CheckDetail", "CheckList", "EventList"]


class _Checks(ApiView):
    serializer_class = serializers.CheckSerializer
    filterset_class = filters.CheckFilterSet
    ordering_fields = ["id", "date", "context", "state"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Check.objects.none()
        patch = get_object_or_404(Patch.objects.only("id"), pk=self.kwargs["pk"])
        return Check.objects.filter(patch=patch).select_related("user")


class CheckList(_Checks, generics.ListAPIView):
    """List a patch's checks; POST reports a new one (any logged-in user)."""

    @extend_schema(request=writes.CheckInput, responses={201: serializers.CheckSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patch = get_object_or_404(Patch.objects.select_related("project"), pk=kwargs["pk"])
        form = writes.CheckInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = {k: v or "" for k, v in form.validated_data.items()}
        check = call_service(services.create_check, request.user, patch, **data)
        return Response(self.get_serializer(check).data, status=status.HTTP_201_CREATED)


class CheckDetail(_Checks, generics.RetrieveAPIView):
    lookup_url_kwarg = "check_id"


class EventList(ApiView, generics.ListAPIView):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilterSet
    # ``date`` in the API is when the event was written (Event.recorded).
    ordering_fields = ["recorded", "id"]
    ordering = ["-recorded", "-id"]

    def get_queryset(self) -> QuerySet:
        big = ("diff_text", "commit_message_text", "diffstat")
        return (
            Event.objects.public()
            .select_related("project", "actor", "patch", "series", "cover")
            .defer(*(f"patch__{f}" for f in big))
            .annotate(
                patch_msgid=F("patch__message__msgid"), cover_msgid=F("cover__message__msgid")
            )
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            return super().get_serializer(**kwargs)
        events = list(args[0])
        users: set[int | None] = set()
        checks: set[int | None] = set()
        for event in events:
            # The embedded patch and cover read their Message-ID from here.
            if event.patch is not None:
                event.patch.msgid = event.patch_msgid
            if event.cover is not None:
                event.cover.msgid = event.cover_msgid
            stored = event.payload or {}
            users.update(stored.get(k) for k in ("previous_delegate", "current_delegate"))
            checks.add(stored.get("check"))
        users.discard(None)
        checks.discard(None)
        # Two queries a page, whatever its size, for what the payloads name.
        context = self.get_serializer_context()
        context["event_users"] = get_user_model().objects.in_bulk(users) if users else {}
        context["event_checks"] = (
            Check.objects.select_related("user").in_bulk(checks) if checks else {}
        )
        kwargs["context"] = context
        return super().get_serializer(events, *args[1:], **kwargs)


class _Bundles(ApiView):
    serializer_class = serializers.BundleSerializer
    filterset_class = filters.BundleFilterSet
    ordering_fields = ["id", "name", "owner"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        entries = (
            BundlePatch.objects.select_related("patch")
            .only("bundle_id", "order", "patch__id", "patch__name", "patch__date",
                  "patch__project_id")
            .annotate(msgid=F("patch__message__msgid"))
            .order_by("order")
        )  # fmt: skip
        return (
            Bundle.objects.visible_to(self.request.user)
            .select_related("project", "owner")
            .prefetch_related(Prefetch("entries", queryset=entries))
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        bundles = args[0] if args else []
        if isinstance(bundles, Bundle):
            bundles = [bundles]
        for bundle in bundles:
            for entry in bundle.entries.all():
                entry.patch.msgid = entry.msgid
        return super().get_serializer(*args, **kwargs)

    def _fresh(self, bundle: Bundle) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=bundle.pk)).data)


class BundleList(_Bundles, generics.ListAPIView):
    """List visible bundles; POST makes one (patches of one project, in order)."""

    @extend_schema(request=writes.BundleInput, responses={201: serializers.BundleSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = writes.BundleInput(data=request.data)
        form.is_valid(raise_exception=True)
        bundle = call_service(services.create_bundle, request.user, **form.validated_data)
        response = self._fresh(bundle)
        response.status_code = status.HTTP_201_CREATED
        return response


class BundleDetail(_Bundles, generics.RetrieveAPIView):
    """A bundle; its owner may PATCH (name, public, patches) or DELETE it."""

    @extend_schema(request=writes.BundleInput, responses=serializers.BundleSerializer)
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bundle = self.get_object()
        form = writes.BundleInput(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        call_service(services.update_bundle, request.user, bundle, **form.validated_data)
        return self._fresh(bundle)

    @extend_schema(request=writes.BundleInput, responses=serializers.BundleSerializer)
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.patch(request, *args, **kwargs)

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        call_service(services.delete_bundle, request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
