# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small representations of related objects, embedded in API responses.

Each reads only columns the views load with ``select_related`` or
annotations, so that a page costs the same number of queries at any size.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from reviews.api.links import Links

__all__ = [
    "CoverRefSerializer",
    "PatchRefSerializer",
    "PersonSerializer",
    "ProjectSerializer",
    "SeriesRefSerializer",
    "UserSerializer",
    "embed",
    "links_of",
    "msgid_of",
]


def links_of(serializer: serializers.Field) -> Links:
    return serializer.context["links"]


def embed(parent: serializers.Field, cls: type[serializers.Serializer], obj: Any) -> dict:
    """``obj`` as ``cls`` represents it, in ``parent``'s context.

    One ``cls`` instance serves every row of a list: DRF deep-copies a
    serializer's fields each time one is created, which per row costs more
    than the rest of the row's serialisation.
    """
    embedded = parent.__dict__.setdefault("_embedded", {})
    serializer = embedded.get(cls)
    if serializer is None:
        serializer = embedded[cls] = cls(context=parent.context)
    return serializer.to_representation(obj)


def msgid_of(obj: Any) -> str:
    """The Message-ID, from the ``msgid`` annotation or the joined message."""
    msgid = getattr(obj, "msgid", None)
    return msgid if msgid is not None else obj.message.msgid


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    username = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    email = serializers.SerializerMethodField()

    def get_url(self, user: Any) -> str:
        return links_of(self).resource("users", user.id)

    def get_email(self, user: Any) -> str:
        # Addresses of accounts are shown to logged-in users only.
        request = self.context.get("request")
        authenticated = request is not None and request.user.is_authenticated
        return user.email if authenticated else ""


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)

    def to_representation(self, instance: Any) -> Any:
        # An address merged into another is shown as that one, as on every
        # page (archive/people.py); views load ``canonical`` with the row.
        return super().to_representation(instance.identity)

    def get_url(self, person: Any) -> str:
        return links_of(self).resource("people", person.id)


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    name = serializers.CharField(read_only=True)
    link_name = serializers.CharField(read_only=True)
    list_id = serializers.CharField(read_only=True)
    list_email = serializers.CharField(read_only=True)
    web_url = serializers.CharField(read_only=True)
    scm_url = serializers.CharField(read_only=True)
    webscm_url = serializers.CharField(read_only=True)
    list_archive_url = serializers.SerializerMethodField()
    list_archive_url_format = serializers.SerializerMethodField()
    commit_url_format = serializers.SerializerMethodField()

    def to_representation(self, instance: Any) -> Any:
        # A list page embeds the same project in every row: build it once per
        # request (this field object lives as long as its parent serializer).
        done = self.__dict__.setdefault("_by_pk", {})
        if instance.pk not in done:
            done[instance.pk] = super().to_representation(instance)
        return done[instance.pk]

    def get_url(self, project: Any) -> str:
        return links_of(self).resource("projects", project.id)

    def get_list_archive_url(self, project: Any) -> str:
        return f"{links_of(self).site}/{links_of(self).list_name(project.id)}/"

    def get_list_archive_url_format(self, project: Any) -> str:
        return f"{links_of(self).site}/all/{{}}/"

    def get_commit_url_format(self, project: Any) -> str:
        return ""


class _SubmissionRef(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    msgid = serializers.SerializerMethodField()
    list_archive_url = serializers.SerializerMethodField()
    date = serializers.DateTimeField(read_only=True)
    name = serializers.CharField(read_only=True)
    mbox = serializers.SerializerMethodField()

    def get_msgid(self, obj: Any) -> str:
        return f"<{msgid_of(obj)}>"

    def get_list_archive_url(self, obj: Any) -> str:
        links = links_of(self)
        return links.message(links.list_name(obj.project_id), msgid_of(obj))


class PatchRefSerializer(_SubmissionRef):
    def get_url(self, patch: Any) -> str:
        return links_of(self).resource("patches", patch.id)

    def get_web_url(self, patch: Any) -> str:
        links = links_of(self)
        return links.patch_web(links.link_name(patch.project_id), msgid_of(patch))

    def get_mbox(self, patch: Any) -> str:
        links = links_of(self)
        return links.patch_mbox(links.link_name(patch.project_id), msgid_of(patch))


class CoverRefSerializer(_SubmissionRef):
    def get_url(self, cover: Any) -> str:
        return links_of(self).resource("covers", cover.id)

    def get_web_url(self, cover: Any) -> str:
        links = links_of(self)
        return links.cover_web(links.link_name(cover.project_id), msgid_of(cover))

    def get_mbox(self, cover: Any) -> str:
        links = links_of(self)
        return links.cover_mbox(links.link_name(cover.project_id), msgid_of(cover))


class SeriesRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    date = serializers.DateTimeField(read_only=True)
    name = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    mbox = serializers.SerializerMethodField()

    def get_url(self, series: Any) -> str:
        return links_of(self).resource("series", series.id)

    def get_web_url(self, series: Any) -> str:
        links = links_of(self)
        return links.series_web(links.link_name(series.project_id), series.id)

    def get_mbox(self, series: Any) -> str:
        return links_of(self).series_mbox(series.id)
