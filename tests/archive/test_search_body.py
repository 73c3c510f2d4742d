"""b: and bare words search the whole body, as in public-inbox: diffs and text attachments too.

Fixtures: tests/data/search/body/ (a patch sent as an attachment, a reply quoting a
hunk) and tests/data/search/patch-rtc-cmos.eml (an inline patch).
"""

from __future__ import annotations

import pytest
from django.db import connection

from archive.browse import compile_text, matching
from archive.models import Message
from archive.search import compile_query, parse_query
from archive.searchindex import rebuild_search
from archive.searchterms import MAX_DIFF_WORDS, MAX_IDENTIFIERS, message_terms, split_body
from tests.conftest import DATA

SEARCH = DATA / "search"
INLINE = "20240110-alarm-1@example.org"
ATTACHED = "attached-1@example.org"
QUOTING = "quoting-1@example.org"


@pytest.fixture
def mail(ingest_file) -> None:
    ingest_file(SEARCH / "patch-rtc-cmos.eml")
    for path in sorted((SEARCH / "body").glob("*.eml")):
        ingest_file(path)


def found(query: str) -> set[str]:
    return set(matching(compile_text(query), None).values_list("msgid", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Inline diff: removed, added and hunk-header words.
        ("b:legacy_probe", {INLINE}),
        ("b:spin_lock_irq", {INLINE}),
        ("cmos_write_alarm", {INLINE}),
        ("b:cmos_set_alarm", {INLINE}),
        # A patch attached as text/x-patch, and a text attachment's prose.
        ("b:devm_frobnicate_widget", {ATTACHED}),
        ("b:quux_widget_ops", {ATTACHED}),
        ("b:quux_probe", {ATTACHED, QUOTING}),  # a context line, and a quoted one
        ("b:pomegranate", {ATTACHED}),
        ("pomegranate", {ATTACHED}),
        # A quoted hunk counts as body too.
        ("b:devm_register_gizmo", {QUOTING}),
        ("b:quux_class_ops", {QUOTING}),
        # Code words are not stemmed: "ops" in code is found as written...
        ("b:ops", {ATTACHED, QUOTING}),
        # ...and by its stem "op" too, as the prose side stems the query.
        ('b:"quux_widget_ops"', {ATTACHED}),
        ('b:"struct device"', {ATTACHED, QUOTING, INLINE}),
        ('b:"device struct"', set()),
        ("b:devm_frob*", {ATTACHED}),
        # nq: and q: stay prose: diff lines are neither.
        ("nq:legacy_probe", set()),
        ("q:devm_register_gizmo", set()),
        ("nq:managed", {QUOTING}),
        ("nq:pomegranate", {ATTACHED}),
        # The exact diff prefixes are unchanged.
        ("dfb:devm_frobnicate_widget", {ATTACHED}),
        ("dfb:devm_register_gizmo", set()),
        # The signature after a diff is prose.
        ("nq:rex", {QUOTING}),
        # Identifiers are whole words, wherever they are (as in public-inbox).
        ("b:devm_gizmo_add", {QUOTING}),
        ("devm_gizmo_add", {QUOTING}),
        ("b:DEVM_GIZMO_ADD", {QUOTING}),
        ("b:widget_ops", set()),
        ("b:quux_wid*", {ATTACHED}),
        ("b:quux_widget_ops OR b:devm_gizmo_add", {ATTACHED, QUOTING}),
        ("b:quux_widget_ops -b:devm_register_gizmo", {ATTACHED}),
    ],
)
def test_whole_body(mail, query: str, expected: set[str]) -> None:
    assert found(query) == expected


def test_split_body_keeps_code_apart() -> None:
    body = "Prose first.\n> quoted prose\ndiff --git a/x b/x\n+added_word\n-- \nsig\n"
    text = split_body(body, ["log line\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-removed_word\n"])
    assert "added_word" in text.code and "removed_word" in text.code
    assert "Prose first." in text.unquoted and "log line" in text.unquoted
    assert "quoted prose" in text.quoted
    assert "added_word" not in text.unquoted + text.quoted


def _vectors() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT msgid, search::text || ' / ' || search_terms FROM archive_message"
            " WHERE NOT is_ghost ORDER BY msgid"
        )
        return dict(cursor.fetchall())


def test_reparse_rebuilds_the_same_vectors(mail) -> None:
    """rebuild_search (manage.py reparse) computes what ingest did, code included."""
    before = _vectors()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_message SET search = NULL, search_terms = ''")
    assert found("b:devm_frobnicate_widget") == set()
    assert rebuild_search() == Message.objects.real().count()
    assert _vectors() == before
    assert found("b:devm_frobnicate_widget") == {ATTACHED}


def test_a_word_both_configurations_keep_is_asked_once(mail) -> None:
    """'regmap' | 'regmap' doubled the planner's estimate into a sequential scan."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT threadwork_body_query(%s)::text", ["'regmap'"])
        assert cursor.fetchone()[0] == "'regmap'"
        cursor.execute("SELECT threadwork_body_query(%s)::text", ["'ops'"])
        assert cursor.fetchone()[0] == "'op' | 'ops'"


def test_an_identifier_is_asked_as_one_lexeme() -> None:
    """As a phrase of its parts, PostgreSQL reread every candidate's vector (10x slower)."""
    compiled = compile_query(parse_query("b:rtc_class_ops"))
    assert compiled.params == ("'rtc_class_ops'",)
    assert "threadwork_body_query" not in compiled.where


def test_the_bodys_identifiers_come_before_an_attachments() -> None:
    """A robot's .config attachment holds thousands of CONFIG_ names: the body's stay."""
    config = "\n".join(f"CONFIG_OPTION_{i}=y" for i in range(MAX_IDENTIFIERS + 100))
    terms = set(message_terms(("R", "r@example.org"), "", "", "see zz_body_word", [config]))
    assert "zz_body_word" in terms
    assert len([t for t in terms if t.startswith("config_option_")]) == MAX_IDENTIFIERS - 1


SENDER = ("R", "r@example.org")


def test_a_path_with_whitespace_leaves_only_its_base_name() -> None:
    """A lexeme holds no whitespace: such a path is left out, a base name without it kept."""
    diff = "--- a/my dir/rtc.c\n+++ b/my dir/rtc.c\n@@ -1 +1 @@\n-old_name\n+new_name\n"
    terms = message_terms(SENDER, "", "", "x\n" + diff)
    assert "dfn:rtc.c" in terms
    assert not [t for t in terms if t.startswith("dfn:my")]
    assert not [t for t in terms if any(c.isspace() for c in t)]
    assert {"dfa:old_name", "dfb:new_name", "old_name", "new_name"} <= set(terms)


def test_diff_words_past_the_cap_are_the_first_in_order() -> None:
    words = [f"w{i:05d}" for i in range(MAX_DIFF_WORDS + 50)]
    diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n" + "".join(f"+{w}\n" for w in reversed(words))
    terms = message_terms(SENDER, "", "", "x\n" + diff)
    assert sorted(t[4:] for t in terms if t.startswith("dfb:")) == words[:MAX_DIFF_WORDS]


def test_recipients_give_the_same_terms_each_time() -> None:
    """To and Cc terms are kept for headers seen lately: a thread repeats them."""
    header = "Jane Doe <jane@example.org>, linux-rtc@vger.kernel.org"
    first = message_terms(SENDER, header, header, "")
    assert message_terms(SENDER, header, header, "") == first
    assert message_terms(SENDER, header, "", "") != first
    assert {"t:jane@example.org", "c:vger.kernel.org", "t:doe", "c:jane"} <= set(first)


def test_migration_0006_adds_code_to_existing_vectors(mail, without_body_trigger) -> None:
    """Vectors made before 0006 (prose and exact terms only) gain diff lines and identifiers,
    which 0018 then moves out of the vector with the other exact terms."""
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("archive.migrations.0006_body_search")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archive_message SET search = ts_filter(search, '{b,c}') || array_to_tsvector("
            " ARRAY(SELECT t FROM unnest(string_to_array(search_terms, ' ')) t"
            " WHERE t LIKE '%:%')), search_terms = '' WHERE search IS NOT NULL"
        )
    assert found("b:legacy_probe") == set()
    assert found("b:devm_gizmo_add") == set()
    editor = SimpleNamespace(connection=connection)
    # Both ran on the body as text, before archive 0030 packed it.
    packed = importlib.import_module("archive.migrations.0030_packed_body")
    with connection.cursor() as cursor:  # the ingest's deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    packed.unpack(None, editor)
    migration.add_code(None, editor)
    importlib.import_module("archive.migrations.0018_search_vector").move_terms(None, editor)
    packed.pack(None, editor)
    assert found("b:legacy_probe") == {INLINE}
    assert found("b:devm_gizmo_add") == {QUOTING}
    assert found("b:devm_register_gizmo") == {QUOTING}
