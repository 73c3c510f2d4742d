"""Extension point: what other apps do with mail as it is ingested.

``archive`` must not import ``reviews``; instead, settings name processor
classes (``THREADWORK_MESSAGE_PROCESSORS``). Each has a pure ``analyze``
step that runs in the parallel parsing workers and an ``apply`` step that
the ingest service calls explicitly, inside the batch transaction, after the
messages are stored and threaded; what ``apply`` answers, the service runs
once that transaction is committed. A processor may also name, in
``churned_tables``, tables its ``apply`` updates row by row: an import that
wrote most of the archive rewrites them compact at its end (``archive.churned``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from archive.parsing import ParsedMessage


@dataclass(frozen=True)
class StoredMessage:
    id: int
    parsed: ParsedMessage
    analysis: dict[str, Any]
    is_new: bool  # False: already archived; ``new_lists`` may still be non-empty
    new_lists: tuple[int, ...]  # list ids this batch linked the message to
    author_id: int | None = None  # the sender's Person


class MessageProcessor(Protocol):
    name: str

    def analyze(self, parsed: ParsedMessage) -> Any:
        """Pure work on one message; runs in a worker process."""

    def apply(self, stored: Sequence[StoredMessage]) -> Callable[[], None] | None:
        """Persist derived data for a batch; runs in the ingest transaction.

        May answer what to do once the batch is committed (caches a page
        would otherwise make live): the ingest service runs it then, outside
        the ingest lock, and a failure there costs the cache, never the mail.
        """

    def rebuild(self, list_ids: Sequence[int] | None) -> Sequence[str]:
        """Recompute derived data (``manage.py reparse``); returns lines to report."""


@cache
def message_processors() -> tuple[MessageProcessor, ...]:
    paths = getattr(settings, "THREADWORK_MESSAGE_PROCESSORS", [])
    return tuple(import_string(path)() for path in paths)


def analyze(parsed: ParsedMessage) -> dict[str, Any]:
    return {p.name: p.analyze(parsed) for p in message_processors()}


def search_terms(analysis: dict[str, Any]) -> set[str]:
    """Exact ``prefix:value`` search terms processors derive from their analysis.

    (The review processor adds ``patchid:`` from the diff it extracted, so
    b4's ``patchid:`` queries match exactly what it computes itself.)
    """
    terms: set[str] = set()
    for processor in message_processors():
        contribute = getattr(processor, "search_terms", None)
        if contribute is not None and processor.name in analysis:
            terms.update(contribute(analysis[processor.name]))
    return terms


@dataclass(frozen=True)
class MessageLink:
    """A page another app keeps about a message, shown on the archive's pages.

    (The review processor links a patch to its patch page and a cover letter
    to its series page, with the state: "[v3,2/7] rtc: fix · Under Review".)
    """

    label: str
    url: str
    state: str = ""


def message_links(message_ids: Sequence[int]) -> dict[int, list[MessageLink]]:
    """What each processor links to from these messages: one query or two per processor.

    Read per request, never cached with archive pages: a patch's state changes
    without the mail changing.
    """
    found: dict[int, list[MessageLink]] = {}
    if not message_ids:
        return found
    for processor in message_processors():
        contribute = getattr(processor, "message_links", None)
        if contribute is None:
            continue
        for message_id, links in contribute(message_ids).items():
            found.setdefault(message_id, []).extend(links)
    return found


def message_links_sql(message_id: str) -> list[str]:
    """SQL expressions, one per processor that offers one, each reading the
    links of the message whose id is the SQL expression ``message_id``.

    Selected inside a query a page runs anyway (the message page's cache key),
    so its links cost no round trip of their own; ``links_from_sql`` reads
    the values back, in the same order.
    """
    return [
        processor.message_links_sql(message_id)  # type: ignore[attr-defined]
        for processor in message_processors()
        if hasattr(processor, "message_links_sql")
    ]


def links_from_sql(values: Sequence[Any]) -> list[MessageLink]:
    """The links that ``message_links_sql``'s expressions selected, in processor order."""
    readers = [p for p in message_processors() if hasattr(p, "message_links_sql")]
    found: list[MessageLink] = []
    for processor, value in zip(readers, values, strict=True):
        found.extend(processor.message_links_from_sql(value))  # type: ignore[attr-defined]
    return found


def list_links(list_id: int) -> list[MessageLink]:
    """Pages other apps keep about a whole list (the review processor: its patch list)."""
    found: list[MessageLink] = []
    for processor in message_processors():
        contribute = getattr(processor, "list_links", None)
        if contribute is not None:
            found.extend(contribute(list_id))
    return found
