"""The C colouring scanner (pure): classes, escaping, one entry per line."""

from __future__ import annotations

import pytest

from reviews.rendering.csyntax import highlight_c
from reviews.rendering.highlight import highlight_lines, highlighter_for, lexer_for

SOURCE = [
    "#include <linux/rtc.h>",
    "/* a comment <b>",
    " * over two lines */",
    "static int foo_probe(struct device *dev)",
    "{",
    '\tchar *s = "say \\"hi\\" <script>";',
    "\tu32 val = 0x1fU; // set <bits>",
    "\treturn sizeof(val) + 42;",
    "}",
]


def test_each_kind_of_token_gets_its_class() -> None:
    html = highlight_c(SOURCE)
    assert html[0] == '<span class="cp">#include &lt;linux/rtc.h&gt;</span>'
    assert html[1] == '<span class="c">/* a comment &lt;b&gt;</span>'
    assert html[2] == '<span class="c"> * over two lines */</span>'
    assert html[3].startswith('<span class="k">static</span> <span class="kt">int</span> ')
    assert '<span class="nf">foo_probe</span>(<span class="k">struct</span> device' in html[3]
    assert '<span class="s">"say \\"hi\\" &lt;script&gt;"</span>' in html[5]
    assert '<span class="m">0x1fU</span>' in html[6]
    assert '<span class="c">// set &lt;bits&gt;</span>' in html[6]
    assert '<span class="k">return</span> <span class="k">sizeof</span>(val)' in html[7]


def test_every_line_stays_one_entry_and_nothing_is_left_unescaped() -> None:
    html = highlight_c(SOURCE)
    assert len(html) == len(SOURCE)
    assert all("<script>" not in line and "<b>" not in line for line in html)


@pytest.mark.parametrize(
    "lines",
    [[], [""], ["/* never closed", "int x;"], ['"unterminated', "int y;"], ["#", "# define"]],
)
def test_broken_code_still_gives_one_entry_per_line(lines: list[str]) -> None:
    assert len(highlight_c(lines)) == len(lines)


def test_c_files_use_the_scanner_and_others_pygments() -> None:
    assert highlighter_for("drivers/rtc/rtc-cmos.c")(["int x;"]) == highlight_c(["int x;"])
    assert highlighter_for("include/linux/rtc.H")(["int x;"]) == highlight_c(["int x;"])
    python = highlighter_for("tools/x.py")(["def f(): pass"])
    assert python == highlight_lines(lexer_for("x.py"), ["def f(): pass"])


def test_only_declared_names_are_marked_as_functions() -> None:
    html = highlight_c(
        ["static int *foo(void)", "EXPORT_SYMBOL_GPL(foo);", "\treturn bar(x);", "\tx = baz(y);"]
    )
    assert '<span class="nf">foo</span>' in html[0]
    assert html[1] == "EXPORT_SYMBOL_GPL(foo);"
    assert "nf" not in html[2] and "nf" not in html[3]
