"""Search snippets: the words searched for marked in a window of the body (archive.snippets),
and the page statement that cuts the windows (archive.searchresults)."""

from __future__ import annotations

import datetime as dt

import pytest
import Stemmer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.browse import search_page
from archive.models import MailingList
from archive.prepared import GENERIC_PLAN
from archive.snippets import LENGTH, MARK_END, MARK_START, Highlighter, Window
from tests.conftest import DATA

SEARCH = DATA / "search"


def marked(terms: tuple[tuple[str, bool], ...], text: str, at_start: bool = True) -> list[str]:
    snippet = Highlighter(terms).snippet(Window(text, at_start))
    return [part.split(MARK_END)[0] for part in snippet.split(MARK_START)[1:]]


def test_words_are_marked_by_their_stem_in_any_case() -> None:
    text = "The Keyboards driver scans the KEYBOARD matrix; keyboarding, keyboard. Keys: none."
    assert marked((("keyboard", False),), text) == [
        "Keyboards",
        "KEYBOARD",
        "keyboarding",
        "keyboard",
    ]
    assert marked((("happy", False),), "happiness is happily unhappy") == ["happiness"]


def test_the_word_as_typed_is_marked_even_when_english_would_drop_it() -> None:
    # The body vector also keeps words unstemmed (diff lines): "the" can match there.
    assert marked((("the", False),), "Then the theme") == ["the"]


def test_identifiers_are_marked_whole_and_their_parts_as_words() -> None:
    text = "static const struct rtc_class_ops ops = { .class = rtc_class };"
    assert marked((("rtc_class_ops", False),), text) == ["rtc_class_ops"]
    assert marked((("class", False),), text) == ["class", "class", "class"]


def test_a_phrase_is_marked_where_its_words_follow_one_another() -> None:
    text = "struct device *dev; the device struct; struct  device"
    assert marked((("struct device", False),), text) == ["struct", "device", "struct", "device"]
    # Nowhere whole in the window: its words, as ts_headline marked them.
    assert marked((("device tree", False),), "a device, a tree") == ["device", "tree"]


def test_wildcards_mark_every_word_they_start() -> None:
    text = "regmap_write(map); regmaps and Regmap, not irregm"
    assert marked((("regm", True),), text) == ["regmap", "regmaps", "Regmap"]


def test_the_snippet_starts_on_a_word_shortly_before_the_first_mark() -> None:
    text = "x" * 30 + " " + "filler " * 40 + "the alarm fired " + "tail " * 80
    snippet = Highlighter((("alarm", False),)).snippet(Window(text, at_start=False))
    assert snippet.startswith("filler ")
    assert f"{MARK_START}alarm{MARK_END}" in snippet
    assert len(snippet) <= LENGTH + 2
    # A window from the body's start keeps its first word, cut or not.
    assert Highlighter((("none", False),)).snippet(Window("Hi all,\nthanks", True)) == (
        "Hi all,\nthanks"
    )
    # A window from inside the body drops the word it cut.
    assert Highlighter((("none", False),)).snippet(Window("lo all,\nthanks", False)) == (
        "all,\nthanks"
    )


@pytest.mark.parametrize(
    "word",
    ["dying", "lying", "skies", "happiness", "generalizations", "relational", "visibility",
     "possibly", "hoping", "added", "ugly", "early", "news", "conditional", "fulness",
     "agreed", "feed", "crying", "interrupts", "probing", "alarms"],
)  # fmt: skip
def test_a_word_keeps_its_stem_but_the_last_two_characters(word: str) -> None:
    """What lets the scan skip tokens without stemming them (archive.snippets)."""
    stem = Stemmer.Stemmer("english").stemWord(word)
    assert word.startswith(stem[: max(1, len(stem) - 2)])


@pytest.mark.parametrize(
    ("terms", "text"),
    [
        ("rtc_class_ops class", "rtc_class_ops rtc_class_opsx rtc_class_ops_2 xrtc_class_ops"),
        ("rtc_class rtc_class_ops", "rtc_class_ops; rtc_class; rtc_classy rtc_class_"),
        ("alarm alarms alar", "alarmalarm alarms_irq _alarm 2alarm alarm2 alar al"),
        ("interrupt interrupts irq", "interrupted irqs, interrupt-driven irq_handler INTERRUPT"),
        ("dev device devices", "devdevice device's devices; /dev/rtc0 de dev"),
        ("x86_64 x86", "x86_64 x86-64 x86 _x86_64 x86_64_ x86_64x"),
        ("über straße", "Über straße über-alles strasse"),
        ("a", "a aa ab ba a_a"),
        ("alarms", "alarm alarmalarm 2alarm alarm_irq ALARMS alar"),
        ("rtc_class_ops", "rtc_class_ops rtc_class_opsx rtc_class_ops_2 xrtc_class_ops."),
    ],
)
def test_the_scan_finds_what_the_tokens_pattern_finds(terms: str, text: str) -> None:
    """The candidate tokens are found without compiling a pattern per query (_Scan),
    the same as the pattern (_candidates) finds them."""
    from archive.snippets import _candidates, _phrase, _Scan

    for star in (False, True):
        words = [w for term in terms.split() for w in _phrase(term, star)]
        expected = _candidates(words).finditer(text.lower())
        found = [(m.start(), m.end(), m.lastgroup == "id") for m in expected]
        assert _Scan(words).matches(text.lower()) == found
        assert found  # the cases above all have candidates


def test_a_window_starts_before_the_first_spelling_of_the_word() -> None:
    """As typed, capitalised or in capitals, whichever comes first (archive.searchresults)."""
    from archive.searchresults import _window
    from archive.snippets import WINDOW_BEFORE, WINDOW_LENGTH

    body = "x" * 500 + "ALARM" + "y" * 50 + "Alarm, alarm" + "z" * 400
    window = _window(body, "alarm")
    assert window.text.startswith("x" * WINDOW_BEFORE + "ALARM") and not window.at_start
    assert len(window.text) == WINDOW_LENGTH
    assert _window("a short body, no such word", "alarm") == Window(
        "a short body, no such word", True
    )
    assert _window("see Alarm", "alarm").at_start


# --- on the database ----------------------------------------------------------


@pytest.fixture
def fixture_list(ingest_file) -> MailingList:
    for path in sorted(SEARCH.glob("*.eml")):
        ingest_file(path)
    return MailingList.objects.get(list_id="srch.lists.example.org")


def test_hits_carry_marked_snippets(fixture_list: MailingList) -> None:
    results = search_page("b:kumquat", fixture_list, 1, by_relevance=False)
    assert [hit.msgid for hit in results.hits] == ["reply-1@example.org"]
    assert f"{MARK_START}kumquat{MARK_END}" in results.hits[0].snippet
    # Exact terms are not marked, and a page without full-text terms has no snippets.
    assert all(hit.snippet == "" for hit in search_page("f:jane@example.org", None, 1, False).hits)


@pytest.mark.parametrize(
    "stored",
    [
        dt.datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    ],
)
def test_a_hits_date_is_the_stored_one(fixture_list: MailingList, stored: dt.datetime) -> None:
    """Read as ISO text in UTC (archive.searchresults), to the microsecond, any year."""
    from django.core.cache import cache

    from archive.models import Message

    Message.objects.filter(msgid="reply-1@example.org").update(date=stored)
    cache.clear()
    (hit,) = search_page("b:kumquat", fixture_list, 1, by_relevance=False).hits
    assert hit.date == stored and hit.date.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("by_relevance", [False, True])
def test_subject_words_have_no_snippets_and_read_no_body(
    fixture_list: MailingList, by_relevance: bool
) -> None:
    """A snippet is cut from the body around a word searched there: a page of
    subject words (``s:``) has none, and its statement sends no body."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as context:
        results = search_page("s:alarm", fixture_list, 1, by_relevance)
    assert sorted(hit.msgid for hit in results.hits) == sorted(
        ["20240110-alarm-1@example.org", "reply-1@example.org"]
    )
    assert all(hit.snippet == "" for hit in results.hits)
    sent = [q["sql"].removeprefix(GENERIC_PLAN) for q in context.captured_queries]
    (executed,) = [sql for sql in sent if sql.startswith("EXECUTE")]
    with connection.cursor() as cursor:  # what the executed statement was prepared from
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s",
            [executed.split()[1].split("(")[0]],
        )
        prepared = cursor.fetchone()[0]
    assert 'NULL::bytea AS "body"' in prepared and 'h."body"' not in prepared


def test_a_snippet_is_centred_on_the_first_word_searched_in_the_body(
    fixture_list: MailingList,
) -> None:
    """``s:`` words are not looked for in the body: the first body word is."""
    (hit,) = search_page("s:alarm b:kumquat", fixture_list, 1, by_relevance=False).hits
    assert f"{MARK_START}kumquat{MARK_END}" in hit.snippet
    assert f"{MARK_START}alarm{MARK_END}" not in hit.snippet
    (hit,) = search_page("s:alarm AND kumquat", fixture_list, 1, by_relevance=False).hits
    assert f"{MARK_START}kumquat{MARK_END}" in hit.snippet


@pytest.mark.parametrize("by_relevance", [False, True])
def test_a_page_is_one_statement(fixture_list: MailingList, by_relevance: bool) -> None:
    """The count, the page, its snippets' bodies and the archive's stamp it is kept
    under: no transaction, no setting, no other query."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as context:
        results = search_page("alarm", fixture_list, 1, by_relevance)
    assert results.total == 2
    sent = [q["sql"] for q in context.captured_queries]
    # Prepared once per connection and shape of query (maybe by an earlier test), then
    # executed; the connection may let go of the shape it used least lately.
    kinds = [sql.split()[0] for sql in sent]
    assert [kind for kind in kinds if kind not in ("PREPARE", "DEALLOCATE")] == ["EXECUTE"], sent
    with CaptureQueriesContext(connection) as context:
        assert search_page("kumquat", fixture_list, 1, by_relevance).total == 1
    assert [q["sql"].split()[0] for q in context.captured_queries] == ["EXECUTE"]
    # The same page again: the stamp alone is read, to know the kept page holds.
    with CaptureQueriesContext(connection) as context:
        assert search_page("kumquat", fixture_list, 1, by_relevance).total == 1
    assert [q["sql"].split()[0] for q in context.captured_queries] == ["SELECT"]


def test_a_kept_page_is_read_again_after_new_mail(
    fixture_list: MailingList, ingest_file, tmp_path
) -> None:
    from django.core.cache import cache

    cache.clear()
    assert search_page("kumquat", fixture_list, 1, by_relevance=False).total == 1
    mail = tmp_path / "late.eml"
    mail.write_bytes(
        b"From: Late <late@example.org>\nTo: srch@lists.example.org\n"
        b"List-Id: <srch.lists.example.org>\nSubject: another kumquat\n"
        b"Message-ID: <late-kumquat@example.org>\nDate: Mon, 15 Jan 2024 10:00:00 +0000\n\n"
        b"One more kumquat.\n"
    )
    ingest_file(mail)
    results = search_page("kumquat", fixture_list, 1, by_relevance=False)
    assert results.total == 2
    assert results.hits[0].msgid == "late-kumquat@example.org"


def test_a_connection_keeps_the_shapes_it_used_last(fixture_list: MailingList, monkeypatch) -> None:
    from django.core.cache import cache

    from archive import searchresults

    monkeypatch.setattr(searchresults, "_SHAPES", 2)
    cache.clear()
    for query in ("alarm", "s:alarm", "f:jane@example.org", "alarm"):
        search_page(query, fixture_list, 1, by_relevance=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'threadwork_search_%%'"
        )
        assert cursor.fetchone()[0] == 2


def test_the_body_vector_keeps_no_statistics(fixture_list: MailingList) -> None:
    """Without them PostgreSQL takes body words as rare and reads them through the
    GIN index (archive.searchresults; migration 0016), ANALYZE or not."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'archive_message'"
            " AND attname IN ('search', 'header_search')"
        )
        assert [row[0] for row in cursor.fetchall()] == ["header_search"]


def test_a_pages_hits_are_kept_drawn(fixture_list: MailingList, monkeypatch) -> None:
    """The results page keeps its hits as HTML (browse.search_page's draw): a warm
    view draws none and searches nothing."""
    from django.core.cache import cache
    from django.test import Client

    from archive.views import lists

    cache.clear()
    client = Client(HTTP_HOST="127.0.0.1")
    first = client.get("/srch/", {"q": "alarm"})
    assert first.status_code == 200 and b"<mark>alarm</mark>" in first.content.lower()

    def no_drawing(*args, **kwargs):
        raise AssertionError("a warm page drew its hits again")

    monkeypatch.setattr(lists, "render_hits", no_drawing)
    assert client.get("/srch/", {"q": "alarm"}).content == first.content
    # Without draw the hits themselves are kept, apart from the drawn page.
    assert any("\x02" in hit.snippet for hit in search_page("alarm", fixture_list, 1, False).hits)
