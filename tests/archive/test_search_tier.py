"""The search tier (archive.searchtier): the newest messages' own GIN indexes, read
first by a newest-first results page (archive.searchresults), built and rebuilt by
ingest or ``manage.py searchtier``. Every page must come out as it does without a
tier; the tests then check the tier's indexes are the ones read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from archive import searchresults, searchtier
from archive.browse import compile_text
from archive.models import MailingList, Message, SearchTier

DAY0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def _words(n: int) -> list[str]:
    words = ["okapi"]  # in every message
    if n < 30:
        words.append("quokka")  # only in old mail
    if n < 20 or n in (35, 37):
        words.append("tapir")  # mostly old, a little new
    if n == 39:
        words.append("dingo")  # only in the newest
    return words


def _mail(n: int | None, extra: str = "") -> str:
    kind = "alpha" if n is not None and n % 2 == 0 else "beta"
    date = (
        f"Date: {(DAY0 + timedelta(days=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}\n"
        if n is not None
        else ""  # no Date: sorts first, and belongs to the tier
    )
    words = " ".join(_words(n) if n is not None else ["okapi", "dingo"])
    tag = n if n is not None else "nodate"
    return (
        f"From x@y Mon Jan  1 00:00:00 2024\nFrom: Ann <ann@example.org>\n"
        f"To: tier@lists.example.org\nSubject: note {tag} {kind}\n"
        f"Message-ID: <tier-{tag}{extra}@example.org>\n{date}"
        f"List-Id: <tier.lists.example.org>\n\nSome prose about {words} here.\n\n"
    )


@pytest.fixture
def small_tier(monkeypatch):
    """A tier of 10 messages, rebuilt past 20, for an archive of 30 or more."""
    monkeypatch.setattr(searchtier, "TARGET", 10)
    monkeypatch.setattr(searchtier, "ROLL_AT", 20)
    monkeypatch.setattr(searchtier, "SMALLEST", 30)
    searchtier.forget()
    yield
    searchtier.forget()


@pytest.fixture
def archive(small_tier, ingest_file, tmp_path) -> int:
    """40 dated messages and one without a date, in list ``tier``; its id."""
    mbox = tmp_path / "tier.mbox"
    mbox.write_text("".join(_mail(n) for n in range(40)) + _mail(None))
    assert ingest_file(mbox).new == 41
    return MailingList.objects.get(name="tier").pk


def _tier_indexes() -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c"
            " ON c.oid = i.indexrelid WHERE c.relname LIKE 'message_tier_%'"
        )
        return dict(cursor.fetchall())


def _page(query: str, list_id: int | None, page: int, sizes: tuple[int, int, int]):
    size, limit, sort_limit = sizes
    found = searchresults.read_page(
        compile_text(query), list_id, page, False, size, limit, sort_limit
    )
    return found.total, [hit.msgid for hit in found.hits]


def test_ingest_builds_the_tier_over_the_newest_messages(archive: int) -> None:
    # 41 messages >= SMALLEST: the ingest's end built it.
    tier = SearchTier.objects.get()
    tenth_newest = DAY0 + timedelta(days=30)
    assert tier.since == tenth_newest
    assert searchtier.current() == searchtier.Tier(tenth_newest)
    suffix = searchtier.Tier(tenth_newest).suffix()
    assert _tier_indexes() == {
        f"message_tier_body_{suffix}": True,
        f"message_tier_subject_{suffix}": True,
    }
    assert not searchtier.due()


def test_a_grown_tier_is_rebuilt_and_the_old_indexes_dropped(
    archive: int, ingest_file, tmp_path
) -> None:
    old = set(_tier_indexes())
    mbox = tmp_path / "more.mbox"
    # 11 newer messages: the tier (dated from day 30) then holds 21 > ROLL_AT.
    mbox.write_text("".join(_mail(n) for n in range(40, 51)))
    assert ingest_file(mbox).new == 11
    since = DAY0 + timedelta(days=41)
    assert SearchTier.objects.get().since == since
    names = set(_tier_indexes())
    assert names.isdisjoint(old) and len(names) == 2
    assert all(name.endswith(searchtier.Tier(since).suffix()) for name in names)


def test_a_small_archive_has_no_tier(small_tier, ingest_file, tmp_path) -> None:
    mbox = tmp_path / "few.mbox"
    # More than a tier would hold (ROLL_AT), fewer than SMALLEST.
    mbox.write_text("".join(_mail(n) for n in range(25)))
    assert ingest_file(mbox).new == 25
    assert not SearchTier.objects.exists() and not _tier_indexes()
    assert searchtier.roll() is None  # not due
    rolled = searchtier.roll(force=True)  # forced: over the newest TARGET
    assert rolled is not None and rolled.tier is not None and rolled.messages == 10


QUERIES = [
    "okapi",  # every message: the tier alone passes the count
    "quokka",  # none in the tier: all past it
    "tapir",  # two in the tier, many older
    "dingo",  # only in the tier (the newest and the dateless)
    "s:alpha",  # subject index
    "b:okapi AND s:alpha",
    "b:quokka OR b:dingo",
    "NOT b:quokka",  # no GIN index answers it: never tiered
]
# (page size, count limit, sort limit): the tier is read when the page lies
# within the count; it passes the count at (3, 5, 12) and (2, 4, 8).
SIZES = [(3, 5, 12), (2, 4, 8), (5, 12, 40), (3, 30, 60), (50, 200, 1000), (5, 3, 8)]


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_is_the_same_with_and_without_the_tier(
    archive: int, query: str, monkeypatch
) -> None:
    tier = searchtier.current()
    assert tier is not None
    pages = [
        (where, page, sizes) for where in (archive, None) for sizes in SIZES for page in (1, 2, 3)
    ]
    tiered = [_page(query, *args) for args in pages]
    assert searchtier.current() == tier
    monkeypatch.setattr(searchtier, "current", lambda db=None: None)
    untiered = [_page(query, *args) for args in pages]
    assert tiered == untiered
    assert any(ids for _, ids in tiered) or query == "NOT b:quokka"


def test_the_newest_page_starts_with_the_dateless_then_the_newest(archive: int) -> None:
    total, ids = _page("okapi", archive, 1, (5, 4, 8))
    assert total == 5  # more than 4
    assert ids == ["tier-nodate@example.org"] + [f"tier-{n}@example.org" for n in (39, 38, 37, 36)]
    assert _page("tapir", archive, 1, (5, 4, 8)) == (
        5,
        [f"tier-{n}@example.org" for n in (37, 35, 19, 18, 17)],
    )


def test_a_dense_tier_whose_first_window_falls_short(archive: int, monkeypatch) -> None:
    # A first window of one message per match needed: too few, the next windows follow.
    monkeypatch.setattr(searchresults, "TIER_WINDOW", 0)
    expected = [f"tier-{n}@example.org" for n in (39, 38, 37, 36, 35, 34)]
    assert _page("okapi", archive, 2, (3, 5, 8)) == (6, expected[2:5])


def test_a_tier_named_after_its_indexes_were_dropped_gives_the_same_pages(
    archive: int,
) -> None:
    before = [_page(q, archive, page, sizes) for q in QUERIES for page in (1, 2) for sizes in SIZES]
    with connection.cursor() as cursor:
        for name in _tier_indexes():
            cursor.execute(f'DROP INDEX "{name}"')
    assert searchtier.current() is not None  # what a worker still believes
    after = [_page(q, archive, page, sizes) for q in QUERIES for page in (1, 2) for sizes in SIZES]
    assert after == before


def test_a_search_learns_the_tier_from_its_own_statement(archive: int) -> None:
    searchtier.forget()
    assert searchtier.current() is None
    _page("okapi", archive, 1, (3, 5, 12))  # untiered, but reads the tier with its page
    assert searchtier.current() == searchtier.Tier(DAY0 + timedelta(days=30))


def _plans(query: str, list_id: int, monkeypatch) -> list[str]:
    """The plans (EXPLAIN ANALYZE) of every prepared search statement of one page."""
    plans: list[str] = []
    run = searchresults._execute_shape

    def explained(cursor, sql, params, generic) -> None:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the tables are tiny
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
        plans.append("\n".join(row[0] for row in cursor.fetchall()))
        run(cursor, sql, params, generic)

    monkeypatch.setattr(searchresults, "_execute_shape", explained)
    _page(query, list_id, 1, (3, 5, 12))
    return plans


def _read(plan: str, index: str) -> bool:
    """Whether any scan of ``index`` in ``plan`` ran."""
    lines = [line for line in plan.splitlines() if f"Bitmap Index Scan on {index}" in line]
    return any("never executed" not in line for line in lines)


@pytest.mark.parametrize(
    ("query", "tier_index", "whole_index"),
    [
        ("b:okapi", "message_tier_body_", "message_search_gin"),
        ("s:note", "message_tier_subject_", "message_subject_gin"),
    ],
)
def test_a_common_word_reads_the_tier_index_only(
    archive: int, query: str, tier_index: str, whole_index: str, monkeypatch
) -> None:
    plans = _plans(query, archive, monkeypatch)
    assert len(plans) == 1  # one statement: the count and the page from the tier
    assert _read(plans[0], tier_index)
    assert not _read(plans[0], whole_index)


def test_a_word_past_the_tier_reads_the_tier_then_the_rest(archive: int, monkeypatch) -> None:
    (plan,) = _plans("b:quokka", archive, monkeypatch)
    assert _read(plan, "message_tier_body_")  # found nothing there
    assert _page("b:quokka", archive, 1, (3, 5, 12)) == (
        6,
        [f"tier-{n}@example.org" for n in (29, 28, 27)],
    )


def test_the_command_rebuilds_when_due_or_forced(archive: int) -> None:
    out = StringIO()
    call_command("searchtier", stdout=out)
    assert out.getvalue().startswith(
        "The search tier is not due for a rebuild (dated from 2024-01-31"
    )
    out = StringIO()
    call_command("searchtier", "--force", stdout=out)
    assert out.getvalue().startswith("search tier rebuilt over 10 messages dated from 2024-01-31")
    assert len(_tier_indexes()) == 2


def test_all_matches_sorted_in_a_list_keep_only_the_lists_own(
    archive: int, ingest_file, tmp_path
) -> None:
    """The last resort of a newest page (``searchresults._newest_page`` past its windows):
    every match of the list sorted; mail of another list is never on the page."""
    other = tmp_path / "other.mbox"
    other.write_text(
        "".join(
            _mail(n, extra="-other").replace("tier.lists.example.org", "else.lists.example.org")
            for n in range(35, 45)
        )
    )
    assert ingest_file(other).new == 10
    compiled = compile_text("okapi")
    with connection.cursor() as cursor:
        for where, start in ((archive, 0), (archive, 4), (None, 0)):
            query = searchresults._Query(compiled, where)
            rows = searchresults._newest_page(cursor, query, start, 6, windows=())
            expected = (
                Message.objects.real()  # every message holds the word
                .filter(**({"lists__id": where} if where else {}))
                .order_by(F("date").desc(nulls_first=True), "-id")
                .values_list("msgid", flat=True)[start : start + 6]
            )
            assert [row[1] for row in rows] == list(expected)
    assert "tier-44-other@example.org" in [row[1] for row in rows]  # all lists: it is there


def test_subject_indexes_keep_no_planner_statistics(archive: int) -> None:
    """As the body vector (archive 0016, 0034): statistics of a common subject word
    made PostgreSQL hash all its matches where the page needs a few."""
    (tier_subject,) = [name for name in _tier_indexes() if "_subject_" in name]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")
        for name in ("message_subject_gin", tier_subject):
            cursor.execute(
                "SELECT attstattarget FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum = 1",
                [name],
            )
            assert cursor.fetchone()[0] == 0, name
            cursor.execute(
                "SELECT count(*) FROM pg_statistic WHERE starelid = %s::regclass", [name]
            )
            assert cursor.fetchone()[0] == 0, name
        cursor.execute(
            "SELECT count(*) FROM pg_statistic WHERE starelid = 'archive_message'::regclass"
        )
        assert cursor.fetchone()[0] > 0  # the table itself was analysed


def test_undoing_the_migration_drops_every_tier_index(archive: int) -> None:
    assert len(_tier_indexes()) == 2
    searchtier.drop_indexes()  # archive 0033's reverse
    assert _tier_indexes() == {}
