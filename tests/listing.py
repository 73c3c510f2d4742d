"""Mail made by tests with the ORM, filed in a list as ``archive.services`` files it."""

from __future__ import annotations

from collections.abc import Sequence


def file_in_list(messages: Sequence, mlist) -> None:
    """Put ``messages`` (saved, in no list yet) in ``mlist``: their ``MessageList`` rows
    and their rows' ``list_ids``, which a list's searches read."""
    from archive.models import Message, MessageList

    MessageList.objects.bulk_create(MessageList(message=m, mailing_list=mlist) for m in messages)
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(list_ids=[mlist.pk])
