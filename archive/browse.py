# SPDX-License-Identifier: AGPL-3.0-or-later
"""Read-side queries of the public-inbox pages: a fixed number of queries each.

Views call these and render; nothing here writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Model,
    OuterRef,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

from archive import rawmail, searchresults
from archive.bodycodec import unpack_body
from archive.dbrouting import read_connection
from archive.models import (
    SEARCH_VECTORS,
    MailingList,
    Message,
    MessageList,
    Person,
    RawMail,
    Thread,
)
from archive.prepared import execute_prepared
from archive.prepared_models import loaded
from archive.processors import MessageLink, links_from_sql, message_links_sql
from archive.search import Compiled, QueryError, compile_query, parse_query
from throttle import counters
from throttle.limits import Gate

ALL = "all"
PAGE_SIZE = 50
COUNT_LIMIT = 1_000  # past this, result counts say "more than" (counting is the slow part)
# A first results page counts fewer: each match counted is a heap row read (with
# its lists, Message.list_ids), 3 ms for 1,000 matches, most of a first view. Paging
# on counts again up to COUNT_LIMIT.
FIRST_PAGE_COUNT_LIMIT = 200
_CACHE_SECONDS = 3600
# Bump when cached pages change (templates/archive, archive/views/render.py).
RENDER_VERSION = 3
# Results pages are keyed on the archive's stamp; the timeout bounds what a
# rebuilt search index (same messages, new vectors) could leave stale.
SEARCH_CACHE_SECONDS = 600
# Message columns no page shows (the search vector is also slow to load).
_UNSHOWN = (*SEARCH_VECTORS, "references")


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
    qs = (
        Message.objects.real()
        .select_related("author", "thread", "parent")
        .defer(*_UNSHOWN, *(f"parent__{name}" for name in (*_UNSHOWN, "body", "to", "cc")))
        .annotate(list_names=_list_names())
    )
    return _one(qs, mlist, msgid)


def locate_message(mlist: MailingList | None, msgid: str) -> Message:
    """A real message by Message-ID with its thread, and nothing else of it loaded.

    For the routes that only need to know which thread (or raw mail) a URL
    names: the body and addresses of a long message are not read for them.
    One statement written out (the ORM took longer to compile it than
    PostgreSQL to run it); other fields load on first use, as deferred ones.
    """
    m_table, l_table = Message._meta.db_table, MessageList._meta.db_table
    where_list, params = "", [msgid.strip().strip("<>")]
    if mlist is not None:
        where_list = (
            f"AND EXISTS (SELECT 1 FROM {l_table} l "
            "WHERE l.message_id = m.id AND l.mailing_list_id = %s)"
        )
        params.append(mlist.pk)
    columns = [f"m.{c}" for c in _MESSAGE_COLUMNS] + [f"t.{c}" for c in _THREAD_COLUMNS]
    db = read_connection(Message)
    with db.cursor() as cursor:
        execute_prepared(
            cursor,
            "threadwork_locate" if mlist is not None else "threadwork_locate_all",
            f"SELECT {', '.join(columns)} "
            f"FROM {m_table} m LEFT JOIN {Thread._meta.db_table} t ON t.id = m.thread_id "
            f"WHERE m.msgid = %s AND NOT m.is_ghost {where_list}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("no such message")
    at = len(_MESSAGE_COLUMNS)
    message = Message.from_db(db.alias, list(_MESSAGE_COLUMNS), row[:at])
    message.thread = Thread.from_db(db.alias, list(_THREAD_COLUMNS), row[at:]) if row[at] else None
    return message


def _in_field_order(model: type[Model], wanted: set[str]) -> tuple[str, ...]:
    # Model.from_db takes a partial row in the order of the model's fields.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


# What the routes that locate a message read of it and of its thread (its key,
# its feed's title).
_MESSAGE_COLUMNS = _in_field_order(Message, {"id", "msgid", "subject", "thread_id"})
_THREAD_COLUMNS = _in_field_order(
    Thread, {"id", "subject", "message_count", "first_date", "last_activity", "root_id"}
)


def _one(qs: QuerySet[Message], mlist: MailingList | None, msgid: str) -> Message:
    if mlist is not None:
        qs = qs.filter(lists=mlist)
    message = qs.filter(msgid=msgid.strip().strip("<>")).first()
    if message is None:
        raise Http404("no such message")
    return message


@dataclass(frozen=True)
class PageKey:
    """What ``message_page_key`` found: the cache key, the message, its lists' names,
    and the links other apps keep about it (read per request: states change)."""

    key: str
    message_id: int
    list_names: list[str]
    thread_id: int | None = None
    links: list[MessageLink] = field(default_factory=list)


def message_page_key(list_name: str, msgid: str) -> PageKey | None:
    """A cache key for a message's page that changes with its thread and its lists;
    None when no such message is in the list named so.

    One short SQL round trip, no ORM compilation, the list found by its name in
    the same statement: the rendered article is then served from the cache.
    The lists' names come along for a first view, which shows them, and the
    message's links to review pages (``archive.processors.message_links_sql``)
    for every view, which shows them outside the cached article.
    """
    where_list = ""
    params: list[object] = [msgid.strip().strip("<>")]
    ml_table, l_table = MailingList._meta.db_table, MessageList._meta.db_table
    if list_name != ALL:
        where_list = (
            f"AND EXISTS (SELECT 1 FROM {l_table} pl "
            f"JOIN {ml_table} pml ON pml.id = pl.mailing_list_id "
            "WHERE pl.message_id = page_m.id AND pml.name = %s)"
        )
        params.append(list_name)
    links = "".join(f", {expression}" for expression in message_links_sql("page_m.id"))
    db = read_connection(Message)
    with db.cursor() as cursor:
        execute_prepared(
            cursor,
            "threadwork_message_key_all" if list_name == ALL else "threadwork_message_key",
            f"SELECT page_m.id, t.id, t.message_count, extract(epoch FROM t.last_activity), "
            f"(SELECT max(pl.id) FROM {l_table} pl WHERE pl.message_id = page_m.id), "
            f"ARRAY(SELECT pml.name FROM {l_table} pl "
            f"JOIN {ml_table} pml ON pml.id = pl.mailing_list_id "
            f"WHERE pl.message_id = page_m.id ORDER BY pml.name){links} "
            f"FROM {Message._meta.db_table} page_m "
            f"LEFT JOIN {Thread._meta.db_table} t ON t.id = page_m.thread_id "
            f"WHERE page_m.msgid = %s AND NOT page_m.is_ghost {where_list}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = ":".join(str(v) for v in row[:5])
    # The list's name, not its id: a list renamed keeps no pages under its old name.
    key = f"archive:message:{RENDER_VERSION}:{db.alias}:{list_name}:{values}"
    return PageKey(key, row[0], list(row[5]), row[1], links_from_sql(row[6:]))


def message_by_id(pk: int, list_names: list[str]) -> Message:
    """``get_message`` for a message already found (``message_page_key``), given its lists."""
    message = (
        Message.objects.select_related("author", "thread", "parent")
        .defer(*_UNSHOWN, *(f"parent__{name}" for name in (*_UNSHOWN, "body", "to", "cc")))
        .get(pk=pk)
    )
    message.list_names = list_names
    return message


def message_with_outline(
    pk: int, thread_id: int, list_names: list[str]
) -> tuple[Message, list[Message], list[ThreadEntry]]:
    """A message page's message, its real replies (oldest first) and its thread's outline.

    One query: the thread's rows without bodies, but for this message's body
    and addresses; its parent is taken from the same rows. (Two round trips
    and two ORM compilations were a third of a first view.)
    """
    rows = _outline_rows(pk, thread_id)
    found = next((m for m in rows if m.pk == pk), None)
    if found is None:  # moved to another thread meanwhile: read it alone
        message = message_by_id(pk, list_names)
        replies_, outline = replies_and_thread(message)
        return message, replies_, outline
    for name in ("body", "to", "cc"):
        setattr(found, name, getattr(found, f"page_{name}"))
    by_id = {m.pk: m for m in rows}
    if found.parent_id in by_id:
        found.parent = by_id[found.parent_id]
    found.list_names = list_names
    outline = _outline(rows)
    return found, _replies_in(outline, found), outline


def _outline_rows(pk: int | None, thread_id: int, bodies: bool = False) -> list[Message]:
    """A thread's messages in date order, with their senders; only message ``pk``
    (every message, with ``bodies``) with its body and addresses as ``page_body``,
    ``page_to`` and ``page_cc`` (the others' are deferred).

    Written out and made into instances with ``Model.from_db``: compiled by the
    ORM, this query cost more than PostgreSQL took to run it.
    """
    db = read_connection(Message)
    with db.cursor() as cursor:
        name, sql = ("thread_bodies", _BODIES_SQL) if bodies else ("outline", _OUTLINE_SQL)
        execute_prepared(cursor, f"threadwork_{name}", sql, {"page": pk, "thread": thread_id})
        found = cursor.fetchall()
    mine, page = len(_OUTLINE_MESSAGE), len(_PAGE_FIELDS)
    rows = []
    for row in found:
        message = loaded(Message, db.alias, _OUTLINE_MESSAGE, row[:mine])
        author = row[mine + page :]
        message.author = loaded(Person, db.alias, _PERSON, author) if author[0] else None
        if bodies or message.pk == pk:
            values = list(row[mine : mine + page])
            # Read as stored: the body packed (archive.bodycodec, first of _PAGE_FIELDS).
            values[0] = unpack_body(values[0]) if values[0] is not None else None
            for name, value in zip(_PAGE_FIELDS, values, strict=True):
                setattr(message, f"page_{name}", value if value is not None else "")
        rows.append(message)
    return rows


_PAGE_FIELDS = ("body", "to", "cc")
_OUTLINE_MESSAGE = tuple(
    f.attname for f in Message._meta.concrete_fields if f.attname not in (*_UNSHOWN, *_PAGE_FIELDS)
)
_PERSON = tuple(f.attname for f in Person._meta.concrete_fields)


def _outline_sql(bodies: bool) -> str:
    """The statement of ``_outline_rows``: every body, or only the page's."""
    pick = "{}" if bodies else "CASE WHEN m.id = %(page)s THEN {} END"
    return f"""
SELECT {", ".join(f'm."{c}"' for c in _OUTLINE_MESSAGE)},
       {", ".join(pick.format(f'm."{c}"') for c in _PAGE_FIELDS)},
       {", ".join(f'a."{c}"' for c in _PERSON)}
FROM {Message._meta.db_table} m
LEFT JOIN {Person._meta.db_table} a ON a.id = m.author_id
WHERE m.thread_id = %(thread)s
ORDER BY m.date, m.id
"""


_OUTLINE_SQL, _BODIES_SQL = _outline_sql(bodies=False), _outline_sql(bodies=True)


def message_lists(message: Message) -> list[str]:
    """Names of the lists the message was delivered to, by name (no query: see below)."""
    return message.list_names


def _list_names() -> ArraySubquery:
    # Read with the message itself: a second round trip costs more than the subquery.
    return ArraySubquery(
        MessageList.objects.filter(message_id=OuterRef("pk"))
        .order_by("mailing_list__name")
        .values("mailing_list__name")
    )


def replies(message: Message) -> list[Message]:
    return list(
        Message.objects.real().filter(parent=message).select_related("author").order_by("date")
    )


@dataclass
class ThreadEntry:
    message: Message
    depth: int


def thread_tree(thread_id: int, bodies: bool = True) -> list[ThreadEntry]:
    """Every message of a thread in reply order, ghosts included (one query).

    Without ``bodies`` the bodies and addresses are not read: an outline of a
    long thread then costs a tenth of the bytes.
    """
    rows = _outline_rows(None, thread_id, bodies=bodies)
    if bodies:
        for m in rows:
            for name in _PAGE_FIELDS:
                setattr(m, name, getattr(m, f"page_{name}"))
    return _outline(rows)


def _outline(rows: list[Message]) -> list[ThreadEntry]:
    """A thread's rows (in date order) in reply order, each with its depth."""
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


def replies_and_thread(message: Message) -> tuple[list[Message], list[ThreadEntry]]:
    """The real replies to ``message``, oldest first, and its thread's outline.

    One query: the replies are read off the outline. Nothing is cached here:
    the message page caches the article built from both, under a key that
    changes with the thread, so a second cache of these rows would only be
    written, pickled, for every first view and never read.
    """
    if message.thread_id is None:
        return replies(message), []
    outline = thread_tree(message.thread_id, bodies=False)
    return _replies_in(outline, message), outline


def _replies_in(outline: list[ThreadEntry], message: Message) -> list[Message]:
    found = [e.message for e in outline if e.message.parent_id == message.pk]
    found = [m for m in found if not m.is_ghost]
    found.sort(key=lambda m: (m.date is None, m.date))
    return found


def thread_messages(thread_id: int) -> list[Message]:
    """The real messages of a thread, oldest first (one query)."""
    return list(
        Message.objects.real()
        .filter(thread_id=thread_id)
        .select_related("author")
        .order_by("date", "id")
        .defer(*SEARCH_VECTORS, "references")
    )


def thread_cache_key(thread: Thread, kind: str) -> str:
    stamp = thread.last_activity.timestamp() if thread.last_activity else 0
    return f"archive:thread:{RENDER_VERSION}:{thread.pk}:{thread.message_count}:{stamp}:{kind}"


# Ids in thread order first, then each raw mail by its key: joined plainly, the
# planner reads the whole raw-mail table for threads of some fifty messages.
_THREAD_RAWS_SQL = f"""
SELECT {rawmail.COLUMNS}
FROM unnest(ARRAY(
    SELECT id FROM {Message._meta.db_table}
    WHERE thread_id = %s AND NOT is_ghost ORDER BY date, id
)) WITH ORDINALITY AS t(id, n)
JOIN {RawMail._meta.db_table} r ON r.message_id = t.id
JOIN {Message._meta.db_table} m ON m.id = t.id
ORDER BY t.n
"""


def thread_mbox_raws(thread_id: int) -> list[bytes]:
    """Raw bytes of every real message of a thread, oldest first (one query)."""
    with read_connection(RawMail).cursor() as cursor:
        execute_prepared(cursor, "threadwork_thread_raws", _THREAD_RAWS_SQL, [thread_id])
        return [rawmail.whole(*row) for row in cursor.fetchall()]


# zlib's level 3 for a thread's mbox: on linux-rtc's forty largest threads (570 KB
# of mbox each) 8.1 ms of CPU a thread against 12.4 at the default 6, for 15% more
# bytes (the whole first view of such a thread was 13-42 ms, mostly this).
THREAD_GZIP_LEVEL = 3


def cached_thread_gzip(thread: Thread) -> bytes:
    from archive.mbox import gzip_chunks

    key = thread_cache_key(thread, "mbox.gz")
    data = cache.get(key)
    if data is None:
        data = b"".join(gzip_chunks(thread_mbox_raws(thread.pk), THREAD_GZIP_LEVEL))
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
    return list(qs.exclude(date=None).order_by("-date", "-id").defer(*SEARCH_VECTORS)[:limit])


# --- search --------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    error: str = ""
    total: int = 0
    more: bool = False  # more than the page's count limit (count_limit) matches
    hits: list[searchresults.Hit] = field(default_factory=list)
    # The hits drawn by ``search_page``'s ``draw`` (then ``hits`` is empty).
    html: str = ""
    # The visitor's hit, when ``search_page`` counted one; past its rate nothing is
    # searched, and the caller refuses.
    tally: counters.Tally | None = None


def compile_text(text: str) -> Compiled:
    return compile_query(parse_query(text))


def matching(compiled: Compiled, mlist: MailingList | None) -> QuerySet[Message]:
    qs = Message.objects.real().filter(
        RawSQL(compiled.where, compiled.params, output_field=BooleanField())
    )
    if mlist is not None:
        # As a results page tests it (searchresults): in the row, not through the list table.
        qs = qs.filter(list_ids__contains=[mlist.pk])
    return qs


def search_page(
    text: str,
    mlist: MailingList | None,
    page: int,
    by_relevance: bool,
    draw: Callable[[list[searchresults.Hit]], str] | None = None,
    counting: Gate | None = None,
) -> SearchResults:
    """One page of results, newest first or best first, with highlighted snippets;
    with ``draw``, the hits as it draws them (``html``) instead.

    With ``counting``, a visitor's hit is counted (``SearchResults.tally``) by the
    first statement the page needs anyway where counts are kept (the primary
    database): a round trip less. Past the rate nothing is searched.
    """
    results = SearchResults(query=text)
    if counting is not None and read_connection(Message).alias != counters.primary().alias:
        results.tally = counters.hit(counting.key, counting.seconds)  # the page is read elsewhere
        if counting.over(results.tally):
            return results
        counting = None
    try:
        compiled = compile_text(text)
    except QueryError as exc:
        results.error = str(exc)
        if counting is not None:
            results.tally = counters.hit(counting.key, counting.seconds)
        return results
    found = _kept_or_searched(compiled, mlist, (page, by_relevance), draw, counting)
    results.tally = found.tally or results.tally
    if found.tally is not None and counting is not None and counting.over(found.tally):
        return results
    results.total, results.hits, results.html = found.total, found.hits, found.html
    results.more = results.total > count_limit(page)
    return results


def _kept_or_searched(
    compiled: Compiled,
    mlist: MailingList | None,
    which: tuple[int, bool],
    draw: Callable[[list[searchresults.Hit]], str] | None,
    counting: Gate | None,
) -> searchresults.Page:
    """Page ``which`` (number, by relevance) as kept, when the archive's stamp says it
    holds, else searched (and kept); the hit counted by the first statement run."""
    page, by_relevance = which
    key = _search_key(compiled, mlist, page, by_relevance) + (":drawn" if draw else "")
    # Kept with the stamp it was read at: a first search reads the stamp in its
    # own statement, a repeated one checks it (one query) before using the copy.
    found: searchresults.Page | None = cache.get(key)
    tally = None
    if found is not None:
        if counting is None:
            stamp = archive_stamp()
        else:  # the hit counted and the stamp read in one statement
            sql = searchresults.STAMP_SQL
            tally, value = counters.hit_reading(counting.key, counting.seconds, sql)
            if counting.over(tally):
                return replace(found, tally=tally)  # refused by the caller
            stamp, counting = f"{counters.primary().alias}:{value}", None
        if found.stamp == stamp:
            return replace(found, tally=tally)
    searched = _search(compiled, mlist, page, by_relevance, counting)
    if counting is not None and searched.tally is not None:
        if counting.over(searched.tally):
            return searched  # nothing was searched: not kept
        tally = searched.tally
    kept = replace(searched, tally=None)
    if draw is not None:
        # Kept drawn: one string to store and load, not fifty hits (0.1-0.2 ms each way).
        kept = replace(kept, hits=[], html=draw(kept.hits))
    cache.set(key, kept, SEARCH_CACHE_SECONDS)
    return replace(kept, tally=tally)


def count_limit(page: int) -> int:
    """How far the matches are counted for results page ``page``."""
    return FIRST_PAGE_COUNT_LIMIT if page == 1 else COUNT_LIMIT


def archive_stamp() -> str:
    """Changes whenever mail is stored (``searchresults.STAMP_SQL``)."""
    db = read_connection(Message)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {searchresults.STAMP_SQL}")
        return f"{db.alias}:{cursor.fetchone()[0]}"


def _search_key(compiled: Compiled, mlist: MailingList | None, page: int, ranked: bool) -> str:
    # The compiled SQL, not the text: relative dates (d:2.weeks.ago..) move with time.
    query = hashlib.sha256(repr(compiled).encode()).hexdigest()
    where = mlist.pk if mlist is not None else ALL
    return f"archive:search:{where}:{page}:{int(ranked)}:{query}"


def _search(
    compiled: Compiled,
    mlist: MailingList | None,
    page: int,
    by_relevance: bool,
    counting: Gate | None = None,
) -> searchresults.Page:
    """The (capped) number of matches and one page of them with snippets."""
    list_id = mlist.pk if mlist is not None else None
    limit = count_limit(page)
    return searchresults.read_page(
        compiled, list_id, page, by_relevance, PAGE_SIZE, limit, COUNT_LIMIT, counting
    )


# A chunk of a download's raw mail, written out and prepared: the ORM's form (the
# body joined where the mail needs it) cost more to compile than to run.
_RAWS_SQL = f"""
SELECT r.message_id, {rawmail.COLUMNS}
FROM {RawMail._meta.db_table} r JOIN {Message._meta.db_table} m ON m.id = r.message_id
WHERE r.message_id = ANY(%s::bigint[])
"""


def raws_in_order(ids: list[int], chunk: int = 200) -> Iterator[bytes]:
    """Raw mail of ``ids`` in that order, fetched a chunk at a time."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with read_connection(RawMail).cursor() as cursor:
            execute_prepared(cursor, "threadwork_raws", _RAWS_SQL, [part])
            found = {row[0]: rawmail.whole(*row[1:]) for row in cursor.fetchall()}
        for message_id in part:
            if message_id in found:
                yield found[message_id]
