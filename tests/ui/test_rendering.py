"""The pure renderers and the list query parser (no database)."""

from __future__ import annotations

import datetime as dt

from reviews.listing import PatchListQuery, parse_list_query
from reviews.rendering.diff import parse_diff, render_diff
from reviews.rendering.mail import render_mail

DIFF = """diff --git a/x.c b/x.c
index 1..2 100644
--- a/x.c
+++ b/x.c
@@ -10,3 +10,3 @@ int f(void)
 int a;
--- removed line that looks like a header
+/* <b>added</b> */
 int d;
\\ No newline at end of file
diff --git a/old.txt b/new.txt
similarity index 100%
rename from old.txt
rename to new.txt
"""


def test_diff_files_hunks_and_numbers():
    files = parse_diff(DIFF)
    assert [f.path for f in files] == ["x.c", "new.txt"]
    kinds = [k for k, _ in files[0].hunks[0].lines]
    assert kinds == ["ctx", "del", "add", "ctx", "note"]
    html = render_diff(DIFF)
    deleted = '<tr class="del"><td class="ln" data-ln="11"></td><td class="ln" data-ln=""></td>'
    assert deleted in html
    assert '<tr class="add"><td class="ln" data-ln=""></td><td class="ln" data-ln="11">' in html
    assert "&lt;b&gt;added&lt;/b&gt;" in html and "<b>" not in html
    assert '<span class="c">' in html  # the C comment is coloured
    assert "rename from old.txt" in html
    assert "<bdi>old.txt</bdi> → <bdi>new.txt</bdi>" in html  # file names isolated


def test_diff_that_is_not_a_diff_is_shown_escaped():
    assert render_diff("<i>hello</i>") == '<pre class="diff-raw">&lt;i&gt;hello&lt;/i&gt;</pre>'


def test_mail_quotes_signature_and_trailers():
    body = (
        "On Monday, Ann <ann@x.org> wrote:\n> one\n> two\n> three\n> four\n> five\n>\n> six\n"
        "\nMy reply.\n"
        "> short\nAnswer.\n\nReviewed-by: Bob <bob@x.org>\n> Acked-by: Not Me <n@x.org>\n"
        "-- \nBob's signature\n"
    )
    html = render_mail(body)
    summary = '<summary title="On Monday, Ann &lt;ann@x.org&gt; wrote:">'
    assert f'<details class="quote lead">{summary}' in html
    # The last three quoted lines with text (a blank ">" aside) stay visible above the answer.
    assert "quoted 3 lines" in html
    folded, rest = html.split("</details>", 1)
    assert "&gt; three" in folded and "&gt; four" not in folded
    assert rest.startswith('<span class="quote"><span class="q q1">&gt; four</span>')
    assert rest.index("&gt; six") < rest.index("My reply.")
    assert '<span class="quote"><span class="q q1">&gt; short</span></span>' in html
    assert '<span class="trailer">Reviewed-by: Bob &lt;bob@x.org&gt;</span>' in html
    assert "Acked-by: Not Me" in html and '<span class="trailer">&gt; Acked' not in html
    assert '<details class="signature"><summary>signature, 2 lines</summary>' in html
    assert "<script" not in render_mail("<script>alert(1)</script>")


def test_mail_quote_context_before_each_answer():
    quote = "".join(f"> line {n}\n" for n in range(1, 11))
    html = render_mail(f"{quote}\nFirst answer.\n\n{quote}\nSecond answer.\n\n{quote}")
    # Before each answer: 7 lines folded, 3 shown; the last quote answers nothing: all folded.
    assert html.count("quoted 7 lines") == 2 and html.count("quoted 10 lines") == 1
    for answer in ("First answer.", "Second answer."):
        before = html[: html.index(answer)]
        assert before.rindex("&gt; line 10") > before.rindex("</details>")
    # A short quote before an answer is never folded.
    assert "<details" not in render_mail("> a\n> b\n> c\n> d\n> e\nAnswer.\n")
    assert "quoted 3 lines" in render_mail("> a\n> b\n> c\n> d\n> e\n> f\nAnswer.\n")


def test_mail_links_urls_safely():
    html = render_mail('see https://example.org/a?b=1&c="x" now')
    assert '<a href="https://example.org/a?b=1&amp;c=" rel="nofollow noopener">' in html


def test_list_query_parsing_and_links():
    query = parse_list_query({"state": "*", "since": "2024-01-02", "order": "bogus", "page": "x"})
    assert query == PatchListQuery(state="*", since=dt.date(2024, 1, 2))
    assert query.params(page=3) == "state=%2A&since=2024-01-02&page=3"
    assert PatchListQuery().sort_params("date") == "order=date"
    assert PatchListQuery(order="name").sort_params("name") == "order=-name"
    # Newest series first, each series' patches 1..n.
    assert PatchListQuery(order="-date").order_fields == (
        "-series_date",
        "-series_id",
        "number",
        "-id",
    )
