# SPDX-License-Identifier: AGPL-3.0-or-later
"""Read-side queries of the public-inbox pages: a fixed number of queries each.

Views call these and render; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from archive.models import MailingList, Message, RawMail, Thread
from archive.search import Compiled, QueryError, compile_query, parse_query

ALL = "all"
PAGE_SIZE = 50
SEARCH_LIMIT = 10_000  # messages an mbox search returns at most
COUNT_LIMIT = 1_000  # past this, result counts say "more than" (counting is the slow part)
_CACHE_SECONDS = 3600


def resolve_list(name: str) -> MailingList | None:
    """None for ``all``; raises Http404 for an unknown list."""
    if name == ALL:
        return None
    try:
        return MailingList.objects.get(name=name)
    except MailingList.DoesNotExist:
        raise Http404(f"no list named {name}") from None


def get_message(mlist: MailingList | None, msgid: str) -> Message:
    """A real message by Message-ID, in ``mlist`` (any list when None), with its relations."""
    qs = Message.objects.real().select_related("author", "thread", "parent")
    if mlist is not None:
        qs = qs.filter(lists=mlist)
    message = qs.filter(msgid=msgid.strip().strip("<>")).first()
    if message is None:
        raise Http404("no such message")
    return message


def message_lists(message: Message) -> list[MailingList]:
    return list(message.lists.order_by("name"))


def replies(message: Message) -> list[Message]:
    return list(
        Message.objects.real().filter(parent=message).select_related("author").order_by("date")
    )


@dataclass
class ThreadEntry:
    message: Message
    depth: int


def thread_tree(thread_id: int) -> list[ThreadEntry]:
    """Every message of a thread in reply order, ghosts included (one query)."""
    rows = list(
        Message.objects.filter(thread_id=thread_id)
        .select_related("author")
        .order_by("date", "id")
        .defer("headers", "search", "references")
    )
    children: dict[int | None, list[Message]] = {}
    ids = {m.id for m in rows}
    for m in rows:
        children.setdefault(m.parent_id if m.parent_id in ids else None, []).append(m)
    entries: list[ThreadEntry] = []
    seen: set[int] = set()
    stack = [(m, 0) for m in reversed(children.get(None, []))]
    while stack:
        message, depth = stack.pop()
        if message.id in seen:
            continue
        seen.add(message.id)
        entries.append(ThreadEntry(message, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(message.id, [])))
    entries.extend(ThreadEntry(m, 0) for m in rows if m.id not in seen)  # unreachable: loops
    return entries


def thread_messages(thread_id: int) -> list[Message]:
    """The real messages of a thread, oldest first (one query)."""
    return list(
        Message.objects.real()
        .filter(thread_id=thread_id)
        .select_related("author")
        .order_by("date", "id")
        .defer("search", "references")
    )


def thread_cache_key(thread: Thread, kind: str) -> str:
    stamp = thread.last_activity.timestamp() if thread.last_activity else 0
    return f"archive:thread:{thread.pk}:{thread.message_count}:{stamp}:{kind}"


def thread_mbox_raws(thread_id: int) -> list[bytes]:
    """Raw bytes of every real message of a thread, oldest first (one query)."""
    rows = (
        RawMail.objects.filter(message__thread_id=thread_id, message__is_ghost=False)
        .order_by("message__date", "message_id")
        .values_list("data", flat=True)
    )
    return [bytes(data) for data in rows]


def cached_thread_gzip(thread: Thread) -> bytes:
    from archive.mbox import gzip_chunks

    key = thread_cache_key(thread, "mbox.gz")
    data = cache.get(key)
    if data is None:
        data = b"".join(gzip_chunks(thread_mbox_raws(thread.pk)))
        cache.set(key, data, _CACHE_SECONDS)
    return data


def latest_threads(mlist: MailingList | None) -> QuerySet[Thread]:
    qs = Thread.objects.filter(message_count__gt=0)
    if mlist is not None:
        qs = qs.in_list(mlist)
    return qs.select_related("root", "root__author").latest_first()


def latest_messages(mlist: MailingList | None, limit: int = 25) -> list[Message]:
    qs = Message.objects.real().select_related("author")
    if mlist is not None:
        qs = qs.in_list(mlist)
    return list(qs.exclude(date=None).order_by("-date", "-id").defer("search")[:limit])


# --- search --------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    error: str = ""
    total: int = 0
    more: bool = False  # more than COUNT_LIMIT matches
    hits: list[Message] = field(default_factory=list)


def compile_text(text: str) -> Compiled:
    return compile_query(parse_query(text))


def matching(compiled: Compiled, mlist: MailingList | None) -> QuerySet[Message]:
    qs = Message.objects.real().filter(
        RawSQL(compiled.where, compiled.params, output_field=BooleanField())
    )
    if mlist is not None:
        qs = qs.filter(lists=mlist)
    return qs


def search_page(
    text: str, mlist: MailingList | None, page: int, by_relevance: bool
) -> SearchResults:
    """One page of results, newest first or best first, with highlighted snippets."""
    results = SearchResults(query=text)
    try:
        compiled = compile_text(text)
    except QueryError as exc:
        results.error = str(exc)
        return results
    qs = matching(compiled, mlist)
    results.total = qs[: COUNT_LIMIT + 1].count()
    results.more = results.total > COUNT_LIMIT
    if by_relevance and compiled.rank_query:
        rank = RawSQL(
            f'ts_rank("archive_message"."search", {compiled.rank_query})',
            compiled.rank_params,
            output_field=FloatField(),
        )
        qs = qs.annotate(rank=rank).order_by("-rank", "-date", "-id")
    else:
        qs = qs.order_by("-date", "-id")
    start = (page - 1) * PAGE_SIZE
    ids = list(qs.values_list("id", flat=True)[start : start + PAGE_SIZE])
    results.hits = _with_snippets(ids, compiled)
    return results


# Markers that cannot occur in mail text: the snippet is escaped, then marked up.
MARK_START, MARK_END = "\x02", "\x03"


def _with_snippets(ids: list[int], compiled: Compiled) -> list[Message]:
    if not ids:
        return []
    qs = (
        Message.objects.filter(id__in=ids)
        .select_related("author")
        .only("id", "msgid", "subject", "date", "author__name", "author__email", "thread_id")
    )
    if compiled.headline_query:
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, "
            "MaxWords=30, MinWords=10, FragmentDelimiter=\x04"
        )
        headline = RawSQL(
            f'ts_headline(\'english\', left("archive_message"."body", 20000), '
            f"{compiled.headline_query}, %s)",
            (*compiled.headline_params, options),
        )
        qs = qs.annotate(snippet=headline)
    by_id = {m.id: m for m in qs}
    return [by_id[i] for i in ids if i in by_id]


def search_mbox_ids(
    compiled: Compiled, mlist: MailingList | None, whole_threads: bool
) -> list[int]:
    """Ids of matching messages (or of every message of their threads), in mbox order."""
    matches = matching(compiled, mlist).order_by("-date", "-id").values("id")[:SEARCH_LIMIT]
    sql, params = matches.query.sql_with_params()
    if whole_threads:
        sql = (
            "SELECT m.id FROM archive_message m WHERE NOT m.is_ghost AND m.thread_id IN ("
            f"SELECT t.thread_id FROM archive_message t WHERE t.id IN ({sql})) "
            "ORDER BY m.thread_id, m.date, m.id"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def raws_in_order(ids: list[int], chunk: int = 200) -> Iterator[bytes]:
    """Raw mail of ``ids`` in that order, fetched a chunk at a time."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = dict(RawMail.objects.filter(message_id__in=part).values_list("message_id", "data"))
        for message_id in part:
            if message_id in found:
                yield bytes(found[message_id])
