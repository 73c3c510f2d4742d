"""The author's changelog: a patch's notes below ``---`` and a cover letter's changes."""

from __future__ import annotations

from reviews.changelog import cover_changelog, patch_notes

NOTES = """rtc: demo: add alarm support

Signed-off-by: Dana Dev <dana@example.org>
---
Changes since v1:
- Drop the Kconfig option

 drivers/rtc/Kconfig    |  3 +++
 drivers/rtc/rtc-demo.c | 13 +++++++++++++
 drivers/rtc/logo.png   | Bin 0 -> 120 bytes
 3 files changed, 16 insertions(+)
 create mode 100644 drivers/rtc/logo.png
 rename drivers/rtc/{a.c => b.c} (90%)
"""


def test_patch_notes_are_the_text_below_the_separator_without_the_diffstat():
    assert patch_notes(NOTES) == "Changes since v1:\n- Drop the Kconfig option"


def test_a_patch_with_only_a_diffstat_or_no_separator_has_no_notes():
    only_stat = NOTES.replace("Changes since v1:\n- Drop the Kconfig option\n\n", "")
    assert patch_notes(only_stat) == ""
    assert patch_notes("rtc: demo\n\nSigned-off-by: Dana Dev <dana@example.org>\n") == ""


def test_cover_changelog_from_its_heading_to_the_shortlog():
    body = (
        "A demo RTC driver.\n\nThe changes are below.\n\nChanges since version 11:\n- one\n"
        "  continued\n\nChanges since version 10:\n- two\n\nMing Yu (7):\n  mfd: x\n\n"
        " MAINTAINERS | 6 +\n"
    )
    text = cover_changelog(body)
    assert text.startswith("Changes since version 11:\n- one\n  continued")
    assert text.endswith("- two") and "Ming Yu" not in text


def test_cover_changelog_headings_and_ends():
    b4 = "Intro.\n\n---\nChanges in v3:\n- x\n- Link to v2: https://lore/r/1\n\n---\nA B (2):\n"
    assert cover_changelog(b4) == "Changes in v3:\n- x\n- Link to v2: https://lore/r/1"
    short = "Intro.\n\nv2 -> v3:\n- y\n\nThanks,\nLaurent\n-- \n2.45.0\n"
    assert cover_changelog(short) == "v2 -> v3:\n- y"
    # Prose that mentions changes is no heading.
    assert cover_changelog("Changes are needed here: the clock drifts.\n") == ""
    assert cover_changelog("No changelog in this letter.\n") == ""
