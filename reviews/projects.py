"""Projects follow mailing lists: the first mail seen on a list creates its project."""

from __future__ import annotations

from collections.abc import Iterable

from archive.models import MailingList
from reviews.models import Project


def ensure_projects(list_ids: Iterable[int]) -> dict[int, Project]:
    """Projects by mailing-list id, creating the missing ones from their lists."""
    wanted = set(list_ids)
    found = {p.mailing_list_id: p for p in Project.objects.filter(mailing_list_id__in=wanted)}
    for mailing_list in MailingList.objects.filter(id__in=wanted - set(found)):
        found[mailing_list.id] = Project.objects.create(
            mailing_list=mailing_list,
            name=mailing_list.description or mailing_list.name,
            link_name=mailing_list.name,
            list_id=mailing_list.list_id,
            list_email=mailing_list.posting_address,
        )
    return found
