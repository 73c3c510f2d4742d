"""The search language: a pure parser, then SQL results on the tiny fixture in data/search/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from archive.browse import compile_text, matching, search_page
from archive.models import MailingList, Message
from archive.search import And, Not, Or, QueryError, Term, parse_date_range, parse_query
from archive.searchterms import message_terms
from tests.conftest import DATA

SEARCH = DATA / "search"
PATCH = "20240110-alarm-1@example.org"
REPLY = "reply-1@example.org"
HOSTILE = "odd/slash\"&'x@example.net"
NOW = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)


# --- parser (no database) --------------------------------------------------


def test_bare_words_are_anded_full_text() -> None:
    assert parse_query("alarm race") == And((Term("", "alarm"), Term("", "race")))


def test_prefixes_phrases_and_wildcards() -> None:
    assert parse_query('s:"fix the alarm"') == Term("s", "fix the alarm")
    assert parse_query("dfn:drivers/rtc/*") == Term("dfn", "drivers/rtc/", wildcard=True)
    assert parse_query("f:jane@example.org") == Term("f", "jane@example.org")


def test_boolean_operators_and_parentheses() -> None:
    query = '(s:"a b" AND f:"x@y.org") OR NOT b:c'
    assert parse_query(query) == Or(
        (
            And((Term("s", "a b"), Term("f", "x@y.org"))),
            Not(Term("b", "c")),
        )
    )


def test_b4_queries_parse() -> None:
    assert parse_query("patchid:abc OR patchid:def") == Or(
        (Term("patchid", "abc"), Term("patchid", "def"))
    )
    node = parse_query('(nq:"change-id: 20240101-foo-abc") AND d:20240101..')
    assert node == And((Term("nq", "change-id: 20240101-foo-abc"), Term("d", "20240101..")))


def test_unknown_prefix_is_a_plain_word() -> None:
    assert parse_query("http://x") == Term("", "http://x")


@pytest.mark.parametrize("query", ["", "   ", "(a", "a)", "NOT"])
def test_bad_queries_raise(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_date_ranges() -> None:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_date_range("20240101..20240201", NOW) == (day, datetime(2024, 2, 2, tzinfo=UTC))
    assert parse_date_range("20240101..", NOW) == (day, None)
    assert parse_date_range("..20240101", NOW) == (None, datetime(2024, 1, 2, tzinfo=UTC))
    assert parse_date_range("2024-01-01", NOW) == (day, datetime(2024, 1, 2, tzinfo=UTC))
    start, end = parse_date_range("2.weeks.ago..", NOW)
    assert (start, end) == (datetime(2024, 1, 6, 12, 0, tzinfo=UTC), None)
    assert parse_date_range("1.month.ago..", NOW)[0] == datetime(2023, 12, 21, 12, tzinfo=UTC)
    with pytest.raises(QueryError):
        parse_date_range("someday..", NOW)


def test_message_terms_cover_addresses_and_diffs() -> None:
    body = (SEARCH / "patch-rtc-cmos.eml").read_text().split("\n\n", 1)[1]
    terms = message_terms(("Jane Developer", "jane@example.org"), "", "Bob <bob@example.org>", body)
    assert {"f:jane@example.org", "f:jane", "c:bob@example.org", "dfn:rtc-cmos.c"} <= set(terms)
    assert {"dfn:drivers/rtc/rtc-cmos.c", "dfb:spin_lock_irq", "dfa:legacy_probe"} <= set(terms)
    # `git patch-id --stable < patch-rtc-cmos.eml`
    # patchid: comes from the review processor (see test_patchid_search), not here
    assert not any(t.startswith("patchid:") for t in terms)


# --- SQL on the fixture ------------------------------------------------------


@pytest.fixture
def fixture_list(ingest_file) -> MailingList:
    for path in sorted(SEARCH.glob("*.eml")):
        ingest_file(path)
    return MailingList.objects.get(list_id="srch.lists.example.org")


def found(query: str, mlist: MailingList | None = None) -> set[str]:
    return set(matching(compile_text(query), mlist).values_list("msgid", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("alarm", {PATCH, REPLY}),
        ("s:alarm", {PATCH, REPLY}),
        ('s:"alarm interrupt race"', {PATCH, REPLY}),
        ('s:"race alarm"', set()),
        ("s:widget*", {HOSTILE}),
        ("b:kumquat", {REPLY}),
        ("nq:kumquat", {REPLY}),
        ("q:kumquat", set()),
        ("q:registers", {REPLY}),
        ("nq:registers", {PATCH}),
        ("bs:widgets", {HOSTILE}),
        ('nq:"change-id: 20240110-alarm-fix-abc123"', {PATCH}),
        ("f:jane@example.org", {PATCH}),
        ('f:"jane@example.org"', {PATCH}),
        ("f:jane", {PATCH}),
        ("f:example.org", {PATCH, REPLY}),
        ("t:jane", {REPLY}),
        ("c:bob@example.org", {PATCH}),
        ("a:bob@example.org", {PATCH, REPLY}),
        ("dfn:rtc-cmos.c", {PATCH}),
        ("dfn:drivers/rtc/*", {PATCH}),
        ("dfb:spin_lock_irq", {PATCH}),
        ("dfa:spin_lock_irq", set()),
        ("dfa:legacy_probe", {PATCH}),
        ("patchid:defbc13d50557c0fa6cc392e7c14f5d64a9f3ef3", {PATCH}),
        ("patchid:0000 OR patchid:defbc13d50557c0fa6cc392e7c14f5d64a9f3ef3", {PATCH}),
        (f"m:{REPLY}", {REPLY}),
        (f"m:<{REPLY}>", {REPLY}),
        ("m:reply-*", {REPLY}),
        ("l:srch.lists.example.org", {PATCH, REPLY, HOSTILE}),
        ("l:srch", {PATCH, REPLY, HOSTILE}),
        ("l:nope", set()),
        ("d:20240101..", {PATCH, REPLY}),
        ("d:..20240110", {PATCH, HOSTILE}),
        ("d:20240111..20240112", {REPLY}),
        ("d:20230601", {HOSTILE}),
        ("alarm AND NOT f:bob@example.org", {PATCH}),
        ("alarm -kumquat", {PATCH}),
        ("widgets OR kumquat", {REPLY, HOSTILE}),
        ('(s:"alarm" AND f:"bob@example.org") AND d:20240101..', {REPLY}),
        ("NOT alarm", {HOSTILE}),
        ("the", set()),
        # The subject and sender live in their own vector, the body in another.
        ("eve", {HOSTILE}),
        ("b:eve", set()),
        ("s:eve", set()),
        ("weird", {HOSTILE}),
        ("s:weird", {HOSTILE}),
        ("bs:weird", {HOSTILE}),
        ("b:weird", set()),
        ("b:widg*", {HOSTILE}),
        ("eve OR kumquat", {REPLY, HOSTILE}),
        ("NOT eve", {PATCH, REPLY}),
        ("s:alarm AND b:kumquat", {REPLY}),
        ("s:alarm -b:kumquat", {PATCH}),
    ],
)
def test_query_results(fixture_list: MailingList, query: str, expected: set[str]) -> None:
    assert found(query) == expected


def test_relative_dates_search(fixture_list: MailingList) -> None:
    assert found("d:2.weeks.ago..") == set()  # the fixture is from 2024


def test_search_page_ranks_and_highlights(fixture_list: MailingList) -> None:
    results = search_page("alarm", fixture_list, 1, by_relevance=True)
    assert results.total == 2
    assert results.hits[0].msgid in {PATCH, REPLY}
    assert any("\x02" in (m.snippet or "") for m in results.hits)


def test_search_page_reports_bad_queries(fixture_list: MailingList) -> None:
    assert search_page("(alarm", fixture_list, 1, by_relevance=False).error


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("b:regmap", "'regmap'"),
        ("regmap", "'regmap'"),
        ('b:"regmap cache"', "'regmap' <-> 'cache'"),
        ("b:regm*", "'regm':*"),
        ("nq:regmap", "'regmap':B"),
    ],
)
def test_body_words_need_no_weight_recheck(query: str, tsquery: str) -> None:
    """A weight makes PostgreSQL reread each candidate's whole body vector: b: and
    bare words go without one, since all body text has weight B or C."""
    compiled = compile_text(query)
    assert tsquery in compiled.params
    assert '"search" @@' in compiled.where


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("f:jane@example.org", "message_search_gin"),
        ("t:srch@lists.example.org", "message_terms_gin"),
        ("b:rtc_class_ops", "message_terms_gin"),
        ("b:alarm", "message_search_gin"),
        ("s:alarm", "message_subject_gin"),
        ("bs:alarm", "message_subject_gin"),
        ("alarm", "message_header_gin"),
        ("alarm", "message_search_gin"),
    ],
)
def test_search_uses_a_gin_index(fixture_list: MailingList, query: str, index: str) -> None:
    from django.db import connection

    compiled = compile_text(query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = matching(compiled, None).values("id").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan


@pytest.mark.parametrize("query", ["s:alarm", "bs:alarm", "s:alarm*", 's:"rtc alarm"'])
def test_subject_words_are_found_without_a_weight_but_ranked_as_before(query: str) -> None:
    """Found through the subject's own index, with no weight for PostgreSQL to
    recheck; ranked over the header vector with weight A, as before that index."""
    compiled = compile_text(query)
    assert 'ts_filter("archive_message"."header_search", \'{a}\') @@' in compiled.where
    assert not any(":A" in str(p) or ":*A" in str(p) for p in compiled.params)
    assert compiled.rank is not None
    assert '"header_search"' in compiled.rank and "ts_filter" not in compiled.rank
    assert any(str(p).endswith("A") for p in compiled.rank_params)


def _zebra_mail(msgid: str, date: str | None) -> str:
    date_line = f"Date: {date}\n" if date else ""
    return (
        f"From: Zed <zed@example.org>\nTo: srch@lists.example.org\nSubject: about zebras\n"
        f"{date_line}Message-ID: <{msgid}>\nList-Id: <srch.lists.example.org>\n\n"
        "A zebra crossed.\n"
    )


@pytest.mark.parametrize("count_limit", [1_000, 1])
def test_results_are_newest_first_with_undated_mail_first(
    ingest_file, tmp_path, monkeypatch, count_limit: int
) -> None:
    """Sorted in Python below the count limit and by SQL above it: the same order."""
    from archive import browse

    monkeypatch.setattr(browse, "COUNT_LIMIT", count_limit)
    monkeypatch.setattr(browse, "FIRST_PAGE_COUNT_LIMIT", count_limit)
    mails = [
        _zebra_mail("jan@example.org", "Mon, 01 Jan 2024 10:00:00 +0000"),
        _zebra_mail("undated@example.org", None),
        _zebra_mail("feb@example.org", "Thu, 01 Feb 2024 10:00:00 +0100"),
        _zebra_mail("feb-same@example.org", "Thu, 01 Feb 2024 09:00:00 +0000"),
    ]
    mbox = tmp_path / "zebras.mbox"
    mbox.write_text("".join(f"From x@y Mon Jan  1 00:00:00 2024\n{m}\n" for m in mails))
    assert ingest_file(mbox).new == 4
    assert Message.objects.get(msgid="undated@example.org").date is None
    results = search_page("zebra", None, 1, by_relevance=False)
    # feb@ (09:00 UTC) and feb-same@ (09:00 UTC) tie on date: the later id wins.
    assert [m.msgid for m in results.hits] == [
        "undated@example.org",
        "feb-same@example.org",
        "feb@example.org",
        "jan@example.org",
    ]


@pytest.mark.parametrize(
    ("query", "windows", "cover"),
    [
        ("zebra", (1,), 2),
        ("zebra", (1, 2), 2),
        ("zebra", (3,), 2),
        ("zebra", (100,), 2),
        ("s:zebras", (3,), 2),
        # The estimated window too small (the page is then looked for in WINDOWS),
        # about right, and larger than the last of WINDOWS (not tried).
        ("zebra", (1, 2), 0.1),
        ("s:zebras", (3,), 0.1),
        # No GIN index answers these: the date index is walked.
        ("NOT s:giraffe", (3,), 2),
        ("NOT s:giraffe", (3,), 0.1),
        ("zebra", (100,), 1),
        ("zebra", (1,), 1000),
    ],
)
def test_newest_pages_from_date_windows_match_the_full_sort(
    ingest_file, tmp_path, monkeypatch, query: str, windows: tuple[int, ...], cover: float
) -> None:
    """Past the count limit the newest page is looked for among the newest messages
    first, in a window estimated from the counted matches and then in the fixed
    ones (archive.searchresults), or by a walk of the date index for a query no
    GIN index answers: every page is the one a full sort gives."""
    from archive import browse, searchresults, searchwindow

    monkeypatch.setattr(browse, "COUNT_LIMIT", 1)
    monkeypatch.setattr(browse, "FIRST_PAGE_COUNT_LIMIT", 1)
    monkeypatch.setattr(browse, "PAGE_SIZE", 2)
    monkeypatch.setattr(searchresults, "WINDOWS", windows)
    monkeypatch.setattr(searchwindow, "COVER", cover)
    mails = [
        _zebra_mail("jan@example.org", "Mon, 01 Jan 2024 10:00:00 +0000"),
        _zebra_mail("undated@example.org", None),
        _zebra_mail("feb@example.org", "Thu, 01 Feb 2024 10:00:00 +0100"),
        _zebra_mail("feb-same@example.org", "Thu, 01 Feb 2024 09:00:00 +0000"),
        _zebra_mail("mar@example.org", "Fri, 01 Mar 2024 10:00:00 +0000"),
    ]
    mbox = tmp_path / "zebras.mbox"
    mbox.write_text("".join(f"From x@y Mon Jan  1 00:00:00 2024\n{m}\n" for m in mails))
    assert ingest_file(mbox).new == 5
    pages = [search_page(query, None, n, by_relevance=False) for n in (1, 2, 3)]
    assert [[m.msgid for m in p.hits] for p in pages] == [
        ["undated@example.org", "mar@example.org"],
        ["feb-same@example.org", "feb@example.org"],
        ["jan@example.org"],
    ]
    assert all(p.more for p in pages)  # more than the (lowered) count limit


def _five_zebras(ingest_file, tmp_path) -> None:
    days = ("Mon, 01 Jan", "Thu, 01 Feb", "Fri, 01 Mar", "Mon, 01 Apr", "Wed, 01 May")
    mails = [
        _zebra_mail(f"z{n}@example.org", f"{day} 2024 10:00:00 +0000") for n, day in enumerate(days)
    ]
    mbox = tmp_path / "zebras.mbox"
    mbox.write_text("".join(f"From x@y Mon Jan  1 00:00:00 2024\n{m}\n" for m in mails))
    assert ingest_file(mbox).new == 5


@pytest.mark.parametrize(("cover", "estimated"), [(10, True), (0.01, False)])
def test_past_the_count_the_first_statement_finds_the_page_in_the_estimated_window(
    ingest_file, tmp_path, monkeypatch, cover: float, estimated: bool
) -> None:
    """One statement serves a first page past the count when the window estimated
    from the counted matches holds it; else the fixed windows follow, same page."""
    from archive import browse, searchresults, searchwindow

    monkeypatch.setattr(browse, "FIRST_PAGE_COUNT_LIMIT", 1)
    monkeypatch.setattr(browse, "PAGE_SIZE", 2)
    monkeypatch.setattr(searchresults, "WINDOWS", (100,))
    monkeypatch.setattr(searchwindow, "COVER", cover)
    newest_pages: list[int] = []
    real_newest_page = searchresults._newest_page

    def newest_page(*args, **kwargs):
        newest_pages.append(1)
        return real_newest_page(*args, **kwargs)

    monkeypatch.setattr(searchresults, "_newest_page", newest_page)
    _five_zebras(ingest_file, tmp_path)
    with connection.cursor() as cursor:  # the estimate reads pg_class's rows per block
        cursor.execute("ANALYZE archive_message")
    results = search_page("zebra", None, 1, by_relevance=False)
    assert [m.msgid for m in results.hits] == ["z4@example.org", "z3@example.org"]
    assert (results.total, results.more) == (2, True)
    assert newest_pages == ([] if estimated else [1])


def test_a_first_page_counts_to_a_lower_limit_than_later_pages(
    client, ingest_file, tmp_path, monkeypatch
) -> None:
    """Counting is most of a first view's work: page 1 says "more than" past
    FIRST_PAGE_COUNT_LIMIT, a later page counts on up to COUNT_LIMIT."""
    from archive import browse

    monkeypatch.setattr(browse, "FIRST_PAGE_COUNT_LIMIT", 3)
    monkeypatch.setattr(browse, "PAGE_SIZE", 2)
    _five_zebras(ingest_file, tmp_path)
    first = client.get("/all/", {"q": "zebra"}).content.decode()
    assert "more than 3 results" in first and "page=2" in first
    second = client.get("/all/", {"q": "zebra", "page": "2"}).content.decode()
    assert "5 results" in second and "more than" not in second and "page=3" in second
    assert "z0@example.org" not in second and "z2@example.org" in second


@pytest.mark.parametrize(
    ("query", "indexed"),
    [
        ("b:regmap", True),
        ("rtc_update_irq", True),  # bare words: the subject or the body
        ('nq:"alarm irq"', True),
        ("f:jane@example.org", True),  # exact terms are lexemes of the body vector
        ("b:regmap NOT s:regmap", True),
        ("s:rtc", True),  # the subject's own GIN index
        ('s:"rtc fix" d:20240101..', True),
        ("NOT b:regmap", False),
        ("s:rtc OR b:regmap", True),
        ("s:rtc OR d:20240101..", False),
        ("b:regmap OR dfn:Kconfig", True),
        ("d:20240101.. m:x@y", False),
        ("l:linux-rtc", False),
    ],
)
def test_queries_whose_every_match_a_gin_index_finds(query: str, indexed: bool) -> None:
    """Their newest pages are read through that index in date windows; the others
    walk the date index (archive.searchresults)."""
    assert compile_text(query).indexed is indexed


def test_a_list_finds_mail_first_archived_through_another(ingest_file) -> None:
    """A list's search reads the row's ``list_ids``: mail archived through linux-mm and
    delivered again through linux-kernel is found in both, and only from then on."""
    ingest = DATA / "ingest"
    ingest_file(ingest / "same-msgid-two-lists.via-linux-mm.eml")
    mm = MailingList.objects.get(name="linux-mm")

    def hits(mlist: MailingList) -> list[str]:
        return [hit.msgid for hit in search_page("s:twice", mlist, 1, False).hits]

    assert hits(mm) == ["twice@example.org"]
    assert not MailingList.objects.filter(name="linux-kernel").exists()

    ingest_file(ingest / "same-msgid-two-lists.via-lkml.eml")
    lkml = MailingList.objects.get(name="linux-kernel")
    assert hits(lkml) == hits(mm) == ["twice@example.org"]
    assert found("l:linux-kernel s:twice") == {"twice@example.org"}
    assert Message.objects.get(msgid="twice@example.org").list_ids == sorted([mm.pk, lkml.pk])
