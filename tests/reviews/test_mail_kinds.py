"""What a mail is to a reviewer, decided purely (no database): ``reviews.analysis``.

Cover letters go by their ``0/N`` marker, not by a PATCH tag; a ``[PATCH]``
without a diff is no cover letter; forwards are not patches; and the
``X-Patchwork-*`` headers are read as Patchwork reads them.
"""

from __future__ import annotations

import pytest

from archive.parsing import parse_message
from reviews.analysis import MailAnalysis, PatchworkHeaders, analyze_message

DIFF = """Return one.

Signed-off-by: Pat Sender <pat@example.org>
---
 lib/foo.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/lib/foo.c b/lib/foo.c
index 1111111..2222222 100644
--- a/lib/foo.c
+++ b/lib/foo.c
@@ -1,3 +1,3 @@
 int foo(void)
-{ return 0; }
+{ return 1; }
 /* end */
"""


def analyse(subject: str, body: str = "Some words.\n", headers: str = "") -> MailAnalysis:
    raw = (
        "From: Pat Sender <pat@example.org>\n"
        f"Subject: {subject}\n"
        "Message-ID: <kind@example.org>\n"
        "Date: Mon, 1 Jul 2024 10:00:00 +0000\n"
        f"{headers}\n{body}"
    )
    return analyze_message(parse_message(raw.encode()))


@pytest.mark.parametrize(
    "subject",
    [
        "[v2,0/1] i2c: mediatek: fix",  # as Patchwork's own series-to-mbox names it
        "[RESEND 0/3] i2c: at91: three fixes",
        "[v6 0/3] Add support for a clock",
        "[RFC,v2 0/6] rework the thing",
        "[RFC 00/25] arm64: realtek: add a board",  # linux-rtc
        "[PATCH 0/2] lib: foo: two fixes",
        "[PATCH 0 of 2] Sample Mercurial patches",
    ],
)
def test_a_0_of_n_mail_without_a_diff_is_a_cover_letter(subject: str) -> None:
    found = analyse(subject)
    assert found.is_cover and found.is_tracked
    assert not found.is_patch and not found.lacks_diff


@pytest.mark.parametrize("subject", ["Re: [v2,0/1] i2c: mediatek: fix", "[v2] i2c: mediatek"])
def test_a_reply_or_a_mail_without_0_of_n_is_no_cover_letter(subject: str) -> None:
    found = analyse(subject)
    assert not found.is_cover and not found.is_tracked


@pytest.mark.parametrize(
    "subject", ["[PATCH] lib: foo: tidy", "[PATCH v2] lib: foo: tidy", "[PATCHv3 2/5] lib: foo"]
)
def test_a_patch_without_a_diff_is_no_cover_letter_but_is_reported(subject: str) -> None:
    found = analyse(subject)
    assert not found.is_cover and not found.is_patch and not found.is_tracked
    assert found.lacks_diff


@pytest.mark.parametrize("subject", ["Re: [PATCH] lib: foo", "lib: foo", "[RFC] lib: foo"])
def test_only_a_new_mail_tagged_patch_can_lack_a_diff(subject: str) -> None:
    assert not analyse(subject).lacks_diff


@pytest.mark.parametrize("subject", ["[v2,1/2] lib: foo: one", "[RFC 3/5] lib: foo", "lib: foo"])
def test_a_diff_makes_a_patch_without_a_patch_tag(subject: str) -> None:
    found = analyse(subject, DIFF)
    assert found.is_patch and found.is_tracked and not found.lacks_diff


@pytest.mark.parametrize("subject", ["Fwd: [PATCH] lib: foo", "FW: [PATCH] lib: foo"])
def test_a_forwarded_patch_is_no_patch(subject: str) -> None:
    """Decided in docs/mail-kinds.md: a forward is discussion, like a reply."""
    found = analyse(subject, DIFF)
    assert not found.is_patch and not found.is_cover and not found.lacks_diff


@pytest.mark.parametrize("value", ["ignore", "Ignore", " IGNORE "])
def test_hint_ignore_in_any_case(value: str) -> None:
    found = analyse("[PATCH AUTOSEL 6.6 2/6] lib: foo", DIFF, f"X-Patchwork-Hint: {value}\n")
    assert found.is_patch and found.patchwork.ignore and not found.is_tracked


def test_other_hints_are_not_ignore() -> None:
    found = analyse("Re: [PATCH] lib: foo", headers="X-Patchwork-Hint: comment\n")
    assert found.patchwork == PatchworkHeaders()


def test_state_and_delegate_headers() -> None:
    headers = "X-Patchwork-State: Under Review\nX-Patchwork-Delegate: Mia M <MIA@Example.org>\n"
    found = analyse("[PATCH] lib: foo", DIFF, headers)
    assert found.patchwork == PatchworkHeaders(state="Under Review", delegate="mia@example.org")


def test_a_delegate_that_is_no_address_is_dropped() -> None:
    found = analyse("[PATCH] lib: foo", DIFF, "X-Patchwork-Delegate: mia\n")
    assert found.patchwork.delegate == ""


def test_mail_without_patchwork_headers() -> None:
    assert analyse("[PATCH] lib: foo", DIFF).patchwork == PatchworkHeaders()
