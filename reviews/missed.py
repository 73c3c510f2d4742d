# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail that looks like a patch but made none: what ``reparse`` and ``missed_patches`` list.

Two kinds, both archived as messages (and comments where they reply under a
patch), never as patches, covers or series:

- *ignored*: the sender asked patch trackers to leave the mail out
  (``X-Patchwork-Hint: ignore``, e.g. the stable tree's AUTOSEL robot);
- *without a diff*: the subject says it is a patch (``[PATCH]``,
  ``[PATCH v2 3/5]``, not a ``0/N`` cover letter, not a reply) but no diff
  or pull request was found in it: a patch Threadwork failed to read, or
  one sent without its code.

Read from what is stored, with the same rules as ingest (``reviews.analysis``),
so the answer is the same after any ingest or ``reparse``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, OuterRef
from django.db.models.expressions import RawSQL

from archive.models import Message, MessageQuerySet
from archive.search import TERMS_VECTOR
from reviews.analysis import claims_patch, read_subject
from reviews.models import Patch

__all__ = ["MissedMail", "hint_ignored", "without_diff"]

# Mail whose sender asked to be ignored carries this exact lexeme in its exact
# search terms (ReviewProcessor.search_terms, with ingest's own reading of
# X-Patchwork-Hint), so finding it is an index lookup, not a read of every
# message's headers (archive migration 0013 keeps headers in the raw mail only).
IGNORED_TERM = "hint:ignore"


@dataclass(frozen=True)
class MissedMail:
    message_id: int
    msgid: str
    subject: str


def _messages(list_ids: Sequence[int] | None) -> MessageQuerySet:
    messages = Message.objects.real()
    if list_ids is not None:
        messages = messages.filter(
            id__in=Message.lists.through.objects.filter(mailing_list_id__in=list_ids).values(
                "message_id"
            )
        )
    return messages


def _is_ignored() -> RawSQL:
    return RawSQL(
        f"{TERMS_VECTOR} @@ %s::tsquery", [f"'{IGNORED_TERM}'"], output_field=BooleanField()
    )


def hint_ignored(list_ids: Sequence[int] | None = None) -> MessageQuerySet:
    """Messages (in these lists) whose sender asked trackers to ignore them."""
    return _messages(list_ids).filter(_is_ignored())


def without_diff(list_ids: Sequence[int] | None = None) -> list[MissedMail]:
    """Messages (in these lists) tagged as a patch that made no patch, oldest first.

    The ignored ones are left out: their senders asked for no patch.
    """
    candidates = (
        _messages(list_ids)
        .filter(subject__iregex=r"patch|pull")  # every subject claims_patch accepts
        .exclude(Exists(Patch.objects.filter(message_id=OuterRef("pk"))))
        .order_by("date", "id")
        .values_list("id", "msgid", "subject")
    )
    found = [
        MissedMail(message_id, msgid, subject)
        for message_id, msgid, subject in candidates
        if claims_patch(read_subject(subject))
    ]
    if not found:
        return []
    # Headers are read for these few only, not for every reply the subject test let in.
    ignored = set(
        Message.objects.filter(_is_ignored(), id__in=[m.message_id for m in found]).values_list(
            "id", flat=True
        )
    )
    return [m for m in found if m.message_id not in ignored]
