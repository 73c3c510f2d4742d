# SPDX-License-Identifier: AGPL-3.0-or-later
"""The person page: every address of one person, the patches they submitted and
the reviews they gave, each list paginated (archive/people.py merges addresses)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404

from archive.models import Person
from reviews import links
from reviews.models import Comment, Patch, Trailer
from reviews.pages.common import REVIEW_KINDS

PER_PAGE = 50


@dataclass(frozen=True)
class GivenTrailer:
    kind: str
    date: object
    message_url: str
    target_name: str
    target_url: str


@dataclass(frozen=True)
class Address:
    email: str
    name: str
    messages: int


@dataclass
class PersonPage:
    person: Person
    addresses: list[Address]
    patches: Page
    given: Page
    given_rows: list[GivenTrailer]

    @property
    def mail_query(self) -> str:
        """The search for mail from any of the person's addresses."""
        return " OR ".join(f"f:{a.email}" for a in self.addresses)


def person_identity(person_id: int) -> Person:
    """The person ``person_id`` is shown as: itself, or the address it is merged into."""
    person = get_object_or_404(Person.objects.select_related("canonical"), id=person_id)
    return person.identity


def person_page(person: Person, *, patches_page: str | None, given_page: str | None) -> PersonPage:
    """``person`` must be an identity (see :func:`person_identity`)."""
    people = list(
        Person.objects.same_person_as(person.id).annotate(mail=Count("messages")).order_by("email")
    )
    ids = [p.id for p in people]
    mail = {p.id: p.mail for p in people}
    # The shown address first, then the others by how much mail came from them.
    people.sort(key=lambda p: (p.id != person.id, -mail.get(p.id, 0), p.email))
    patches = Patch.objects.filter(submitter_id__in=ids).for_list().order_by("-date", "-id")
    trailers = (
        Trailer.objects.filter(email__in=[p.email for p in people], kind__in=REVIEW_KINDS)
        .select_related("message")
        .only("kind", "message__msgid", "message__date")
        .order_by("-message__date", "-id")
    )
    given = Paginator(trailers, PER_PAGE).get_page(given_page)
    return PersonPage(
        person=person,
        addresses=[Address(p.email, p.name, mail.get(p.id, 0)) for p in people],
        patches=Paginator(patches, PER_PAGE).get_page(patches_page),
        given=given,
        given_rows=_given(list(given.object_list)),
    )


def _given(trailers: list[Trailer]) -> list[GivenTrailer]:
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
