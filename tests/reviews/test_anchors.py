"""Replies anchored to the diff lines they answer (reviews.anchors, reviews.quotes). No database."""

from __future__ import annotations

import json

import pytest

from reviews.anchors import anchor_reply, index_diff
from reviews.quotes import reply_parts
from tests.conftest import DATA

ANCHORS = DATA / "anchors"

# scenario, diff, reply author, [(path, old_line, new_line, answer starts with)]
CASES = [
    ("nct6694-question-under-loop", "nct6694-question-under-loop", "Oliver Neukum", [
        ("drivers/mfd/nct6694.c", None, 212, "Does modifying the byte have any benefit?"),
        ("drivers/mfd/nct6694.c", None, 225, "Why? Does this do anything"),
    ]),
    ("nct6694-gmail-answer", "nct6694-question-under-loop", "Ming Yu", [
        ("drivers/mfd/nct6694.c", None, 212, "I will update the code in the next patch"),
        ("drivers/mfd/nct6694.c", None, 225, "I plan to remove nct6694_irq_lock()"),
    ]),
    ("wilco-removed-line", "wilco-removed-line", "Alexandre Belloni", [
        ("drivers/rtc/rtc-wilco-ec.c", 113, None, "If your driver doesn't care about yday"),
        ("drivers/rtc/rtc-wilco-ec.c", None, 199, "This should be in a separate patch."),
    ]),
    ("ohci-closing-greeting", "ohci-closing-greeting", "Geert Uytterhoeven", [
        ("drivers/usb/host/Kconfig", 560, None, "At this point in the series"),
    ]),
    ("bbnsm-initials-signature", "bbnsm-initials-signature", "Christophe JAILLET", [
        ("drivers/rtc/rtc-nxp-bbnsm.c", None, 212, "I think that an error handling path"),
        ("drivers/rtc/rtc-nxp-bbnsm.c", None, 227, "I think that .remove should be used"),
    ]),
    ("wilco-rewrapped-quote", "wilco-removed-line", "Alexandre Belloni", [
        ("drivers/rtc/rtc-wilco-ec.c", None, 116, "This string is far too long"),
    ]),
    ("bbnsm-snipped-quote", "bbnsm-initials-signature", "A Reviewer", [
        ("drivers/rtc/rtc-nxp-bbnsm.c", None, 213, "The remove hook looks fine"),
        ("drivers/rtc/rtc-nxp-bbnsm.c", None, 227, "Use .remove, .remove_new"),
    ]),
    # A quote of another revision's lines (the author's newer code posted in the
    # thread): two lines edited since go under the line after the last one
    # matched (nearly the same) or under the last one matched (one line differs).
    ("hx4700-quote-of-newer-code", "hx4700-quote-of-newer-code", "Linus Walleij", [
        ("arch/arm/mach-pxa/hx4700.c", None, 841, "Looks wrong, you can just invert"),
        ("arch/arm/mach-pxa/hx4700.c", None, 844, "So those two have switched polarity."),
        ("sound/soc/pxa/hx4700.c", None, 83, "Thus drop one ! in front"),
        ("sound/soc/pxa/hx4700.c", None, 90, "But not this."),
    ]),
    # "(node, >> "nvmem-cells")": a wrap re-joined with its quote marker inside.
    ("nvmem-rejoined-wrap-marker", "nvmem-rejoined-wrap-marker", "Miquel Raynal", [
        ("drivers/mtd/mtdcore.c", None, 526, "I'm saying: based on what"),
    ]),
    # ">>  +\tmagic = ...": the diff quoted with one space too many.
    ("jz4740-quote-one-space-too-many", "jz4740-quote-one-space-too-many", "Paul Cercueil", [
        ("drivers/rtc/rtc-jz4740.c", None, 387, "So what is the best thing to do then?"),
    ]),
    # The patch's removed lines quoted, then fourteen added lines this diff
    # does not have (how the patch would look): the answer is about those.
    ("pcf2127-sketch-of-other-code", "pcf2127-sketch-of-other-code", "Alexandre Belloni", []),
    # "-" (an empty line removed) under unchanged lines: the answer is about it.
    ("bd71828-blank-line-change", "bd71828-blank-line-change", "Lee Jones", [
        ("drivers/mfd/Makefile", 257, None, "Nit: This is an unrelated change"),
    ]),
    # "Anyhow, I don't see this comment as a no-go so," leads to a Reviewed-by:
    # about the patch, not the last line of the patch quoted above it.
    ("rzn1-lead-in-to-trailer", "rzn1-lead-in-to-trailer", "Miquel Raynal", [
        ("drivers/rtc/rtc-rzn1.c", None, 441, "I guess this situation is not possible"),
    ]),
    # A schema sketch in the discussion whose only line in this diff is an
    # unchanged "required:" of another file: nothing is anchored.
    ("apple-smc-lone-line-of-a-sketch", "apple-smc-lone-line-of-a-sketch", "Guenter Roeck", []),
    # "//snip" written between quotes is a cut, not an answer.
    ("mt6357-cut-written-as-comment", "mt6357-cut-written-as-comment", "Matti Vaittinen", [
        ("drivers/regulator/mt6357-regulator.c", None, 146, "If I read this right"),
        ("drivers/regulator/mt6357-regulator.c", None, 340, "I am unsure if we should aim"),
        ("drivers/regulator/mt6357-regulator.c", None, 409, "I am unsure what data"),
    ]),
    # The whole patch quoted, then "ping again": no answer to its last line;
    # nor is the thanks written under a quoted "ping?" and the applied commit.
    ("abx80x-ping-again", "abx80x-ping-again", "Sean Anderson", []),
    ("abx80x-answer-to-a-quoted-ping", "abx80x-answer-to-a-quoted-ping", "Sean Anderson", []),
    # "Hugo." signs with a full stop; "[B]" names the quoted proposal below it.
    ("pcf2127-signed-name-with-full-stop", "pcf2127-signed-name-with-full-stop",
     "Hugo Villeneuve", []),
    ("i2c-label-for-the-quote-below", "i2c-label-for-the-quote-below", "Biju Das", []),
    ("wilco-top-posted", "wilco-removed-line", "A Reviewer", []),
    ("wilco-commit-message-only", "wilco-removed-line", "A Reviewer", []),
]  # fmt: skip


def _read(name: str) -> str:
    return (ANCHORS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("reply", "diff", "author", "expected"), CASES, ids=[c[0] for c in CASES])
def test_answers_sit_under_the_last_quoted_line(reply, diff, author, expected):
    found = anchor_reply(index_diff(_read(f"{diff}.diff")), _read(f"{reply}.reply"), author)
    got = [(a.path, a.old_line, a.new_line, a.text) for a in found.anchors]
    assert len(got) == len(expected), got
    for (path, old, new, text), (want_path, want_old, want_new, start) in zip(
        got, expected, strict=True
    ):
        assert (path, old, new) == (want_path, want_old, want_new), text
        assert text.startswith(start)


def test_closings_signatures_and_trailers_are_no_answers():
    texts = [
        a.text
        for reply, diff, author, _ in CASES
        for a in anchor_reply(
            index_diff(_read(f"{diff}.diff")), _read(f"{reply}.reply"), author
        ).anchors
    ]
    joined = "\n".join(texts)
    for noise in (
        "Regards",
        "Best regards",
        "Gr{oetje",
        "Bootlin",
        "Reviewed-by",
        "\nCJ",
        "Ming\n",
    ):
        assert noise not in joined
    assert not any(t.strip() in ("CJ", "Oliver", "Ming") for t in texts)


def test_a_top_posted_reply_quotes_diff_lines_but_anchors_nothing():
    found = anchor_reply(
        index_diff(_read("wilco-removed-line.diff")), _read("wilco-top-posted.reply")
    )
    assert found.anchors == () and found.quoted_diff_lines >= 5


def test_a_lone_empty_or_ambiguous_line_is_not_placed_at_random():
    diff = index_diff(_read("nct6694-question-under-loop.diff"))
    assert anchor_reply(diff, "> +}\n\nWhich one?\n").anchors == ()
    assert anchor_reply(diff, "> +\n\nWhich one?\n").anchors == ()
    # The same line after a unique one is placed by it.
    placed = anchor_reply(diff, "> +static void usb_int_callback(struct urb *urb)\n> +{\n\nHm.\n")
    assert [(a.new_line, a.text) for a in placed.anchors] == [(191, "Hm.")]


def test_an_answer_below_code_this_diff_lacks_is_left_unanchored():
    diff = index_diff(_read("nct6694-question-under-loop.diff"))
    quote = (
        "> +static void usb_int_callback(struct urb *urb)\n> +{\n"
        "> +\tstruct nct6694 *nct6694 = urb->context;\n"
    )
    other = [f"> +\tfoo_{i}(bar);" for i in range(3)]
    for tail, anchored in ((0, True), (2, True), (3, False)):
        reply = quote + "\n".join(other[:tail]) + "\n\nWhy?\n"
        found = anchor_reply(diff, reply)
        assert [a.new_line for a in found.anchors] == ([192] if anchored else []), tail
        assert found.quoted_diff_lines == 3
    # Prose under the quoted lines (an earlier reply's comment) ends the tail.
    reply = quote + ">\n> Please name it after what it does.\n> +\tfoo_1(bar);\n"
    assert [a.new_line for a in anchor_reply(diff, reply + "\nDone.\n").anchors] == [192]


def test_lines_leading_to_trailers_are_no_answers():
    reply = (
        "> +\tx = 1;\n\nMissing a check. With that fixed:\n\nReviewed-by: A <a@b>\n\n"
        "> +\ty = 2;\n\nOnce fixed, please apply my:\n\nFor my own reference:\n"
        "  Acked-for-MFD-by: A <a@b>\n"
    )
    parts = reply_parts(reply)
    assert [p.answer for p in parts] == [("Missing a check. With that fixed:",), ()]


def test_a_quoted_shift_is_code_not_a_quote_marker():
    diff = index_diff("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,3 @@\n a;\n+\tv = r >> 8;\n b;\n")
    found = anchor_reply(diff, "> +\tv = r >> 8;\n\nWhy shift?\n")
    assert [(a.new_line, a.text) for a in found.anchors] == [(2, "Why shift?")]


def test_gap_markers_and_nesting_are_read_from_quotes():
    parts = reply_parts("> > +a\n> [...]\n>> <snip>\n\nanswer\n\nThanks,\nMe\n", "Me")
    assert [(q.depth, q.text) for q in parts[0].quote.lines] == [
        (2, "+a"), (1, "[...]"), (2, "<snip>"),
    ]  # fmt: skip
    assert parts[0].answer == ("answer",)
    for cut in ("//snip", "// snip", "-- snip --", "8<--- snip"):
        assert reply_parts(f"> +a\n{cut}\n> +b\n\nanswer\n")[0].answer == ("answer",), cut


def test_an_unparseable_diff_or_empty_reply_anchors_nothing():
    assert anchor_reply(index_diff("not a diff"), "> +x\n\ny\n").anchors == ()
    assert anchor_reply(index_diff(_read("wilco-removed-line.diff")), "").anchors == ()


# Replies to linux-rtc patches drawn at random (seeded) and read by hand, each
# against its patch's diff (tests/data/anchors/README.md): the expected lines
# are what a reader judged right, not what the code printed.
CHECKED = ANCHORS / "checked"
EXPECTED = json.loads((CHECKED / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", EXPECTED, ids=[c["scenario"] for c in EXPECTED])
def test_hand_checked_answers_sit_under_the_line_they_answer(case):
    name = case["scenario"]
    diff = (CHECKED / f"{name}.diff").read_text(encoding="utf-8")
    reply = (CHECKED / f"{name}.reply").read_text(encoding="utf-8")
    found = anchor_reply(index_diff(diff), reply, case["author"]).anchors
    got = [[a.path, a.old_line, a.new_line, " ".join(a.text.split()[:6])] for a in found]
    assert got == case["anchors"], case.get("note", "")


def test_the_hand_checked_set_holds_sixty_answers_and_the_hard_cases():
    answers = sum(len(c["anchors"]) for c in EXPECTED)
    hard = ("repeated-line", "nested-quote", "snipped-quote", "trailer-only", "no-answer",
            "code-sketch", "whole-patch", "bump")  # fmt: skip
    kinds = {k for c in EXPECTED for k in hard if k in c["scenario"]}
    assert answers >= 60 and len(kinds) == 8
