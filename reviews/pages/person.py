# SPDX-License-Identifier: AGPL-3.0-or-later
"""The person page: patches someone submitted and the reviews they gave."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from archive.models import Person
from reviews import links
from reviews.models import Comment, Patch, Trailer
from reviews.pages.common import REVIEW_KINDS

PATCH_LIMIT = 100
TRAILER_LIMIT = 200


@dataclass(frozen=True)
class GivenTrailer:
    kind: str
    date: object
    message_url: str
    target_name: str
    target_url: str


@dataclass
class PersonPage:
    person: Person
    patches: list[Patch]
    given: list[GivenTrailer]
    more_patches: bool


def person_page(person_id: int) -> PersonPage:
    person = get_object_or_404(Person, id=person_id)
    patches = list(
        Patch.objects.filter(submitter=person)
        .for_list()
        .order_by("-date", "-id")[: PATCH_LIMIT + 1]
    )
    return PersonPage(
        person=person,
        patches=patches[:PATCH_LIMIT],
        given=_given(person),
        more_patches=len(patches) > PATCH_LIMIT,
    )


def _given(person: Person) -> list[GivenTrailer]:
    trailers = list(
        Trailer.objects.filter(email__iexact=person.email, kind__in=REVIEW_KINDS)
        .select_related("message")
        .only("kind", "message__msgid", "message__date")
        .order_by("-message__date", "-id")[:TRAILER_LIMIT]
    )
    targets = _targets({t.message_id for t in trailers})
    given = []
    for t in trailers:
        name, url, list_name = targets.get(t.message_id, ("", "", ""))
        message_url = links.message_url(list_name, t.message.msgid) if list_name else ""
        given.append(GivenTrailer(t.kind, t.message.date, message_url, name, url))
    return given


def _targets(message_ids: set[int]) -> dict[int, tuple[str, str, str]]:
    """(patch or cover name, its URL, list name) by the id of a message with trailers."""
    targets: dict[int, tuple[str, str, str]] = {}
    comments = Comment.objects.filter(message_id__in=message_ids).select_related(
        "patch__project__mailing_list", "patch__message",
        "cover__project__mailing_list", "cover__message",
    ).only(
        "message_id", "patch__name", "patch__message__msgid", "patch__project__link_name",
        "patch__project__mailing_list__name", "cover__name", "cover__message__msgid",
        "cover__project__link_name", "cover__project__mailing_list__name",
    )  # fmt: skip
    for c in comments:
        if c.patch is not None:
            project = c.patch.project
            url = links.patch_url(project.link_name, c.patch.message.msgid)
            targets[c.message_id] = (c.patch.name, url, project.mailing_list.name)
        elif c.cover is not None:
            project = c.cover.project
            url = links.cover_url(project.link_name, c.cover.message.msgid)
            targets[c.message_id] = (c.cover.name, url, project.mailing_list.name)
    own = Patch.objects.filter(message_id__in=message_ids).select_related(
        "project__mailing_list", "message"
    )
    for p in own.only(
        "name", "message_id", "message__msgid", "project__link_name",
        "project__mailing_list__name",
    ):  # fmt: skip
        url = links.patch_url(p.project.link_name, p.message.msgid)
        targets[p.message_id] = (p.name, url, p.project.mailing_list.name)
    return targets
