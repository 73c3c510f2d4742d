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


def test_gap_markers_and_nesting_are_read_from_quotes():
    parts = reply_parts("> > +a\n> [...]\n>> <snip>\n\nanswer\n\nThanks,\nMe\n", "Me")
    assert [(q.depth, q.text) for q in parts[0].quote.lines] == [
        (2, "+a"), (1, "[...]"), (2, "<snip>"),
    ]  # fmt: skip
    assert parts[0].answer == ("answer",)


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
