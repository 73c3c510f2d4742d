"""The exact search terms stored as text beside the body vector (archive migration 0018).

The vector keeps the words with their positions and weights, and the ``f:``
and ``dfn:`` terms; the others (``t:``, ``c:``, ``dfb:``, identifiers...) are
compressed text that the
``message_terms_gin`` index reads as a vector. Together they are the one
vector the body had before: the same lexemes, so the same matches and ranks.
"""

from __future__ import annotations

from django.db import connection

from archive.ingest import analyse_raw
from archive.models import MailingList, Message, RawMail
from archive.searchindex import rebuild_search
from archive.searchterms import split_body
from tests.conftest import DATA

PATCH = DATA / "search" / "patch-rtc-cmos.eml"
MSGID = "20240110-alarm-1@example.org"


def _vectors(message_id: int) -> tuple[str, str, str]:
    """(the body vector, its terms as a vector, the single vector of before) of a message."""
    raw = RawMail.objects.get(message_id=message_id).mail
    parsed = analyse_raw(raw).parsed
    assert parsed is not None
    text = split_body(parsed.body, (a.text for a in parsed.attachments if a.text))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search::text, threadwork_terms_vector(search_terms)::text,"
            " (search || threadwork_terms_vector(search_terms))::text"
            " = threadwork_search_vector(%s, %s, %s, %s::text[])::text"
            " FROM archive_message WHERE id = %s",
            [text.unquoted, text.quoted, text.code, list(parsed.search_terms), message_id],
        )
        return cursor.fetchone()


def test_terms_leave_the_vector_and_together_make_the_same_one(ingest_file) -> None:
    ingest_file(PATCH)
    message = Message.objects.get(msgid=MSGID)
    words, terms, same = _vectors(message.id)
    assert "'t:" not in words and "'dfb:" not in words
    assert "'dfn:drivers/rtc/rtc-cmos.c'" in words and "'f:jane@example.org'" in words
    assert "'t:srch@lists.example.org'" in terms and "'f:" not in terms
    assert message.search_terms.split() == sorted(message.search_terms.split())
    assert same  # words || terms is the vector a message had before, lexeme for lexeme


def test_a_rebuilt_index_keeps_terms_apart(ingest_file) -> None:
    ingest_file(PATCH)
    message = Message.objects.get(msgid=MSGID)
    before = (message.search_terms, _vectors(message.id))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_message SET search = NULL, search_terms = ''")
    assert rebuild_search([message.id]) == 1
    message.refresh_from_db()
    assert (message.search_terms, _vectors(message.id)) == before


def test_exact_terms_are_found_through_their_own_index(ingest_file) -> None:
    from tests.archive.test_search import found

    ingest_file(PATCH)
    mlist = MailingList.objects.get(list_id="srch.lists.example.org")
    assert found("dfn:rtc-cmos.c", mlist) == {MSGID}
    assert found("f:jane@example.org dfn:rtc-cmos.c b:alarm", mlist) == {MSGID}
    assert found("b:alarm -dfn:rtc-cmos.c", mlist) == found("b:alarm", mlist) - {MSGID}


def test_the_terms_keep_no_planner_statistics(ingest_file) -> None:
    """A common term would be planned as a test of every row, each building its vector."""
    ingest_file(PATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'message_terms_gin'"
            " OR (tablename = 'archive_message' AND attname = 'search_terms')"
        )
        assert cursor.fetchone()[0] == 0


def test_terms_are_ranked_only_where_matches_can_differ_in_them(ingest_file) -> None:
    """A term every match must hold adds the same to every rank: its vector is not built."""
    from archive.search import TERMS_VECTOR, compile_query, parse_query

    def rank(query: str) -> str:
        return compile_query(parse_query(query)).rank or ""

    for constant in ("f:jane@example.org b:alarm", 'f:"jane developer"', "b:rtc_class_ops"):
        assert TERMS_VECTOR not in rank(constant), constant
    for varying in ("a:jane", "t:jane OR b:alarm", "t:jan*", "rtc_class_ops", "b:x -f:x OR t:y"):
        assert TERMS_VECTOR in rank(varying), varying
    ingest_file(PATCH)
    with connection.cursor() as cursor:
        compiled = compile_query(parse_query("a:jane OR b:alarm"))
        cursor.execute(
            f"SELECT msgid, {compiled.rank} FROM archive_message WHERE {compiled.where}",
            [*compiled.rank_params, *compiled.params],
        )
        (msgid, value), *_ = cursor.fetchall()
        assert msgid == MSGID and value > 0


def test_a_sender_or_file_left_out_beside_body_words_is_one_index_scan() -> None:
    """b:probe -f:robot asks one tsquery of the body vector: its GIN index answers the
    NOT from its entries, where a NOT on the terms apart reads every candidate's terms."""
    from archive.search import BODY_VECTOR, compile_query, parse_query

    for query in ("b:probe -f:robot@example.org", "b:alarm -dfn:Kconfig"):
        where = compile_query(parse_query(query)).where
        assert where.count("@@") == 1 and where.startswith(f"({BODY_VECTOR} @@"), where


def test_a_ghost_gets_empty_terms(ingest_file, tmp_path) -> None:
    """Ghosts are inserted by SQL that names no search column: the database's default."""
    reply = tmp_path / "reply.eml"
    reply.write_text(
        "From: Jane <jane@example.org>\nTo: srch@lists.example.org\nSubject: Re: gone\n"
        "Message-ID: <reply@example.org>\nIn-Reply-To: <never-came@example.org>\n"
        "Date: Mon, 01 Jan 2024 10:00:00 +0000\n\nI agree.\n"
    )
    summary = ingest_file(reply)
    assert summary.quarantined == 0
    ghost = Message.objects.get(msgid="never-came@example.org")
    assert ghost.is_ghost and ghost.search_terms == ""
