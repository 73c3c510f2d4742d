"""Our colouring scanners for C and device trees (pure): classes, escaping, one entry per line."""

from __future__ import annotations

import pytest

from reviews.rendering.highlight import _lexer_for_key, highlight_lines, highlighter_for, lexer_for
from reviews.rendering.scanners import highlight_c, highlight_dts

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


# Names whose lexer Pygments decides by more than their suffix, and some it
# decides by the suffix alone: the shortcut must choose as Pygments does.
LEXER_NAMES = (
    "drivers/rtc/Kconfig", "Kconfig.debug", "arch/x86/Makefile", "Makefile.am", "x.mk",
    "scripts/foo.py", "Documentation/rtc.rst", "a.b.yaml", "foo.1", "man/foo.8.gz",
    "CMakeLists.txt", "notes.txt", "meson.build", ".bashrc", "bash_profile", "tool.sh",
    "x.S", "Foo.php5", "page.html", "page.html.j2", "README", ".gitignore", "noext",
)  # fmt: skip


def test_lexers_are_chosen_as_pygments_chooses_them() -> None:
    from pygments.lexers import get_lexer_for_filename
    from pygments.util import ClassNotFound

    def pygments_choice(name: str) -> type | None:
        try:
            lexer = get_lexer_for_filename(name)
        except ClassNotFound:
            return None
        return None if lexer.name == "Text only" else type(lexer)

    chosen = {name: lexer_for(name) for name in LEXER_NAMES}
    assert {n: type(c) if c else None for n, c in chosen.items()} == {
        n: pygments_choice(n) for n in LEXER_NAMES
    }
    # the shortcut is taken: names alike past their first dot share one lookup
    assert lexer_for("drivers/rtc/rtc-a.yaml") is lexer_for("other/b.yaml")
    assert lexer_for("Makefile") is not None and lexer_for("Kconfig") is not None


def test_web_processes_start_with_the_common_lexers_built() -> None:
    """``settle()`` (run by config/wsgi.py) resolves them, so no visitor waits for Pygments."""
    import gc

    from config.heap import settle
    from reviews.rendering.highlight import COMMON_FILES

    _lexer_for_key.cache_clear()
    threshold = gc.get_threshold()
    settle()
    gc.unfreeze()  # settle() is for web processes; the test process goes on as it was
    gc.set_threshold(*threshold)
    before = _lexer_for_key.cache_info()
    for name in COMMON_FILES:
        assert lexer_for(name) is not None or name.endswith(".txt")
    after = _lexer_for_key.cache_info()
    assert after.misses == before.misses
    assert after.hits - before.hits == len(COMMON_FILES)


DTS = [
    "/dts-v1/;",
    '#include "imx6dl.dtsi"',
    "&i2c1 {",
    "\t#address-cells = <1>;",
    '\tstatus = "okay <b>";',
    "\trtc: rtc@68 { /* the <i>clock</i>",
    "\t\tcomment goes on */",
    "\t\tinterrupts-extended = <&gpio1 4 IRQ_TYPE_EDGE_FALLING>;",
    "\t\twakeup-source;",
    "\t};",
    "};",
]


def test_device_tree_tokens_get_their_classes() -> None:
    html = highlight_dts(DTS)
    assert html[0] == '<span class="cp">/dts-v1/</span>;'
    assert html[1] == '<span class="cp">#include</span> <span class="s">"imx6dl.dtsi"</span>'
    assert html[2] == '<span class="nv">&amp;i2c1</span> {'
    # "#address-cells" is a property, not a preprocessor line
    assert html[3] == '\t<span class="na">#address-cells</span> = &lt;<span class="m">1</span>&gt;;'
    assert html[4] == '\t<span class="na">status</span> = <span class="s">"okay &lt;b&gt;"</span>;'
    assert html[5].startswith('\t<span class="nv">rtc:</span> <span class="nf">rtc@68</span> {')
    assert html[6] == '<span class="c">\t\tcomment goes on */</span>'
    assert '<span class="nv">&amp;gpio1</span> <span class="m">4</span> IRQ_TYPE' in html[7]
    assert html[8] == '\t\t<span class="na">wakeup-source</span>;'
    assert len(html) == len(DTS)
    assert all("<b>" not in line and "<i>" not in line for line in html)


def test_device_trees_use_their_scanner() -> None:
    for name in ("arch/arm/boot/dts/a.dts", "b.dtsi", "c.DTSO"):
        assert highlighter_for(name)(DTS) == highlight_dts(DTS)
