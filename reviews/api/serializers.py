# SPDX-License-Identifier: AGPL-3.0-or-later
"""API representations of Threadwork's objects, with Patchwork's field names.

Read-only: writes go through ``reviews/api/writes.py`` and the services.
Empty text columns read as ``null`` where Patchwork's do (``commit_ref``,
``pull_url``, ``hash``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.api.embedded import (
    CoverRefSerializer,
    PatchRefSerializer,
    PersonSerializer,
    ProjectSerializer,
    SeriesRefSerializer,
    UserSerializer,
    embed,
    links_of,
)
from reviews.api.lineage import LineageSerializer, lineage_field
from reviews.comment_anchors import anchors_of
from reviews.models import CheckState, combined_check_state

__all__ = [
    "BundleSerializer",
    "CheckSerializer",
    "CommentSerializer",
    "CoverDetailSerializer",
    "CoverListSerializer",
    "EventSerializer",
    "PatchDetailSerializer",
    "PatchListSerializer",
    "PersonDetailSerializer",
    "ProjectDetailSerializer",
    "SeriesSerializer",
    "UserDetailSerializer",
]


def headers_dict(pairs: list) -> dict[str, Any]:
    """Mail headers as Patchwork shows them: a string, or a list when repeated."""
    found: dict[str, list[str]] = {}
    for key, value in pairs or []:
        found.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in found.items()}


class ProjectDetailSerializer(ProjectSerializer):
    maintainers = UserSerializer(many=True, read_only=True)
    subject_match = serializers.SerializerMethodField()

    def get_subject_match(self, project: Any) -> str:
        return ""


class UserDetailSerializer(UserSerializer):
    pass


class PersonDetailSerializer(PersonSerializer):
    user = serializers.SerializerMethodField()

    @extend_schema_field(UserSerializer(allow_null=True))
    def get_user(self, person: Any) -> dict[str, Any] | None:
        # Mail identities are not linked to accounts.
        return None


class PatchListSerializer(PatchRefSerializer):
    project = ProjectSerializer(read_only=True)
    commit_ref = serializers.SerializerMethodField()
    pull_url = serializers.SerializerMethodField()
    state = serializers.CharField(source="state.slug", read_only=True)
    archived = serializers.BooleanField(read_only=True)
    hash = serializers.SerializerMethodField()
    submitter = PersonSerializer(read_only=True)
    delegate = UserSerializer(read_only=True, allow_null=True)
    series = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    check = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()
    # Not Patchwork's: the followed git branches carrying the patch (track-git).
    lineage = serializers.SerializerMethodField()

    def get_commit_ref(self, patch: Any) -> str | None:
        return patch.commit_ref or None

    @extend_schema_field(LineageSerializer(many=True))
    def get_lineage(self, patch: Any) -> list[dict[str, Any]]:
        return lineage_field(self, patch)

    def get_pull_url(self, patch: Any) -> str | None:
        return patch.pull_url or None

    def get_hash(self, patch: Any) -> str | None:
        return patch.hash or None

    @extend_schema_field(SeriesRefSerializer(many=True))
    def get_series(self, patch: Any) -> list[dict[str, Any]]:
        if patch.series is None:
            return []
        return [embed(self, SeriesRefSerializer, patch.series)]

    def get_comments(self, patch: Any) -> str:
        return links_of(self).resource("patches", patch.id, "comments")

    def get_check(self, patch: Any) -> str:
        if hasattr(patch, "check_state"):  # annotated (reviews.checks): no checks is pending
            return patch.check_state or CheckState.PENDING
        return combined_check_state(patch.checks.all())

    def get_checks(self, patch: Any) -> str:
        return links_of(self).resource("patches", patch.id, "checks")

    def get_tags(self, patch: Any) -> dict[str, int]:
        return {}

    @extend_schema_field(PatchRefSerializer(many=True))
    def get_related(self, patch: Any) -> list[dict[str, Any]]:
        return []


class PatchDetailSerializer(PatchListSerializer):
    headers = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    diff = serializers.CharField(read_only=True)
    prefixes = serializers.ListField(child=serializers.CharField(), read_only=True)

    def get_headers(self, patch: Any) -> dict[str, Any]:
        return headers_dict(patch.message.headers)

    def get_content(self, patch: Any) -> str:
        return patch.commit_message


class CoverListSerializer(CoverRefSerializer):
    project = ProjectSerializer(read_only=True)
    submitter = PersonSerializer(read_only=True)
    series = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()

    @extend_schema_field(SeriesRefSerializer(many=True))
    def get_series(self, cover: Any) -> list[dict[str, Any]]:
        if cover.series is None:
            return []
        return [embed(self, SeriesRefSerializer, cover.series)]

    def get_comments(self, cover: Any) -> str:
        return links_of(self).resource("covers", cover.id, "comments")


class CoverDetailSerializer(CoverListSerializer):
    headers = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()

    def get_headers(self, cover: Any) -> dict[str, Any]:
        return headers_dict(cover.message.headers)

    def get_content(self, cover: Any) -> str:
        return cover.message.body


class SeriesSerializer(SeriesRefSerializer):
    project = ProjectSerializer(read_only=True)
    submitter = PersonSerializer(read_only=True, allow_null=True)
    total = serializers.IntegerField(read_only=True)
    received_total = serializers.IntegerField(read_only=True)
    received_all = serializers.BooleanField(read_only=True)
    cover_letter = serializers.SerializerMethodField()
    patches = serializers.SerializerMethodField()

    @extend_schema_field(CoverRefSerializer(allow_null=True))
    def get_cover_letter(self, series: Any) -> dict[str, Any] | None:
        cover = getattr(series, "cover", None)
        if cover is None:
            return None
        return embed(self, CoverRefSerializer, cover)

    @extend_schema_field(PatchRefSerializer(many=True))
    def get_patches(self, series: Any) -> list[dict[str, Any]]:
        return PatchRefSerializer(series.patches.all(), many=True, context=self.context).data


class AnchorSerializer(serializers.Serializer):
    """An answer in a reply and the diff line it answers (``reviews.anchors``)."""

    path = serializers.CharField(read_only=True)
    old_line = serializers.IntegerField(read_only=True, allow_null=True)
    new_line = serializers.IntegerField(read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True)


class CommentSerializer(serializers.Serializer):
    """A reply under a patch or cover letter (``Comment`` joined to its message).

    ``anchors`` is Threadwork's addition to Patchwork's fields: the answers the
    reply writes under quoted lines of the patch's diff (empty under a cover).
    """

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    msgid = serializers.SerializerMethodField()
    list_archive_url = serializers.SerializerMethodField()
    date = serializers.DateTimeField(source="message.date", read_only=True)
    subject = serializers.CharField(source="message.subject", read_only=True)
    submitter = PersonSerializer(source="message.author", read_only=True, allow_null=True)
    content = serializers.CharField(source="message.body", read_only=True)
    headers = serializers.SerializerMethodField()
    addressed = serializers.SerializerMethodField()
    anchors = serializers.SerializerMethodField()

    def _owner(self) -> tuple[str, int]:
        return self.context["owner_kind"], self.context["owner_id"]

    @extend_schema_field(AnchorSerializer(many=True))
    def get_anchors(self, comment: Any) -> list[dict[str, Any]]:
        # Stored when the reply was anchored at ingest (reviews.comment_anchors).
        return [
            {"path": a.path, "old_line": a.old_line, "new_line": a.new_line, "text": a.text}
            for a in anchors_of(comment.anchors if comment.patch_id else ())
        ]

    def get_url(self, comment: Any) -> str:
        kind, owner = self._owner()
        return links_of(self).resource(kind, owner, "comments", comment.id)

    def get_web_url(self, comment: Any) -> str:
        links = links_of(self)
        return links.message(links.list_name(self.context["project_id"]), comment.message.msgid)

    def get_msgid(self, comment: Any) -> str:
        return f"<{comment.message.msgid}>"

    def get_list_archive_url(self, comment: Any) -> str:
        return self.get_web_url(comment)

    def get_headers(self, comment: Any) -> dict[str, Any]:
        return headers_dict(comment.message.headers)

    def get_addressed(self, comment: Any) -> bool | None:
        return None


class CheckSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    user = UserSerializer(read_only=True)
    date = serializers.DateTimeField(read_only=True)
    state = serializers.CharField(read_only=True)
    target_url = serializers.CharField(read_only=True)
    context = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    def get_url(self, check: Any) -> str:
        return links_of(self).resource("patches", check.patch_id, "checks", check.id)


class EventSerializer(serializers.Serializer):
    """An Event with Patchwork's payload: the objects the category concerns."""

    id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(read_only=True)
    project = ProjectSerializer(read_only=True)
    date = serializers.DateTimeField(source="recorded", read_only=True)
    actor = UserSerializer(read_only=True, allow_null=True)
    payload = serializers.SerializerMethodField()

    def get_payload(self, event: Any) -> dict[str, Any]:
        ctx = self.context
        stored = event.payload or {}
        out: dict[str, Any] = {}
        if event.patch is not None:
            out["patch"] = PatchRefSerializer(event.patch, context=ctx).data
        if event.series is not None:
            out["series"] = SeriesRefSerializer(event.series, context=ctx).data
        if event.cover is not None:
            out["cover"] = CoverRefSerializer(event.cover, context=ctx).data
        for key in ("previous_state", "current_state"):
            if key in stored:
                out[key] = stored[key]
        users = ctx.get("event_users", {})
        for key in ("previous_delegate", "current_delegate"):
            if key in stored:
                user = users.get(stored[key])
                out[key] = UserSerializer(user, context=ctx).data if user else None
        if "check" in stored:
            check = ctx.get("event_checks", {}).get(stored["check"])
            out["check"] = CheckSerializer(check, context=ctx).data if check else None
        return out


class BundleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    project = ProjectSerializer(read_only=True)
    name = serializers.CharField(read_only=True)
    owner = UserSerializer(read_only=True)
    patches = serializers.SerializerMethodField()
    public = serializers.BooleanField(read_only=True)
    mbox = serializers.SerializerMethodField()

    def get_url(self, bundle: Any) -> str:
        return links_of(self).resource("bundles", bundle.id)

    def get_web_url(self, bundle: Any) -> str:
        return links_of(self).bundle_web(bundle.owner.username, bundle.name)

    def get_mbox(self, bundle: Any) -> str:
        return links_of(self).bundle_mbox(bundle.owner.username, bundle.name)

    @extend_schema_field(PatchRefSerializer(many=True))
    def get_patches(self, bundle: Any) -> list[dict[str, Any]]:
        patches = [entry.patch for entry in bundle.entries.all()]
        return PatchRefSerializer(patches, many=True, context=self.context).data
