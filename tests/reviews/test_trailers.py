"""Trailer extraction from patches and replies, and merging for ``git am``."""

from __future__ import annotations

import dataclasses
import mailbox
from email.message import Message
from email.utils import parseaddr
from pathlib import Path

import pytest

from reviews.trailers import (
    KNOWN_KINDS,
    Trailer,
    add_trailers,
    canonical_kind,
    extract_trailers,
    is_person_kind,
    make_trailer,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "trailers"
# The shared mail corpus sits next to the repository; CI may not have it.
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared corpus absent")

RITA = "Rita Reviewer <rita@example.org>"
TESS = "Tess Tester <tess@example.org>"


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def _lines(trailers: tuple[Trailer, ...]) -> list[str]:
    return [trailer.line for trailer in trailers]


# --- the Trailer value object ------------------------------------------------


def test_trailer_line_and_frozen() -> None:
    trailer = make_trailer("reviewed-BY", f"  {RITA}  ")
    assert trailer == Trailer("Reviewed-by", RITA, "Rita Reviewer", "rita@example.org")
    assert trailer.line == f"Reviewed-by: {RITA}"
    with pytest.raises(dataclasses.FrozenInstanceError):
        trailer.kind = "Acked-by"  # type: ignore[misc]


@pytest.mark.parametrize("kind", KNOWN_KINDS)
def test_known_kinds_are_canonicalised(kind: str) -> None:
    assert canonical_kind(kind.upper()) == kind
    assert canonical_kind(kind.lower()) == kind


def test_unknown_kind_is_kept_as_written() -> None:
    assert canonical_kind("Change-Id") == "Change-Id"
    assert canonical_kind("CHANGE-ID") == "CHANGE-ID"
    assert canonical_kind("CC") == "Cc"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("Signed-off-by", True),
        ("Cc", True),
        ("Co-authored-by", True),
        ("Fixes", False),
        ("Link", False),
    ],
)
def test_is_person_kind(kind: str, expected: bool) -> None:
    assert is_person_kind(kind) is expected


@pytest.mark.parametrize(
    ("value", "name", "email"),
    [
        ("John Hubbard <jhubbard@nvidia.com>", "John Hubbard", "jhubbard@nvidia.com"),
        ('"Doe, Jane" <Jane@Example.COM>', "Doe, Jane", "jane@example.com"),
        ("Tester2, Followup <t2@example.com>", "Tester2, Followup", "t2@example.com"),
        ("Rev (corporate) <rev@example.com>", "Rev (corporate)", "rev@example.com"),
        ("Tess [corp] <tess@example.com> # for v1", "Tess [corp]", "tess@example.com"),
        ("bare@example.org", "", "bare@example.org"),
        ("<angled@example.org>", "", "angled@example.org"),
        ("stable@vger.kernel.org # 6.1+", "", "stable@vger.kernel.org"),
        ("José Müller <jose@example.org>", "José Müller", "jose@example.org"),
        ("Jane Doe", "", ""),
        ("HTML <h@example.com<mailto:h@example.com>>", "HTML", "h@example.com"),
    ],
)
def test_person_values(value: str, name: str, email: str) -> None:
    trailer = make_trailer("Reviewed-by", value)
    assert (trailer.name, trailer.email) == (name, email)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("Fixes", '1234abcd5678 ("mm: a subject with a@b.c inside")'),
        ("Link", "https://lore.kernel.org/r/some@msgid.here"),
        ("Closes", "https://bugzilla.example.org/1"),
        ("Change-Id", "I0123456789abcdef"),
    ],
)
def test_non_person_values_have_no_address(kind: str, value: str) -> None:
    trailer = make_trailer(kind, value)
    assert (trailer.value, trailer.name, trailer.email) == (value, "", "")


# --- patches: the commit message's trailer block ------------------------------


def test_patch_trailer_block() -> None:
    trailers = extract_trailers(_read("patch-trailer-block.txt"))
    assert _lines(trailers) == [
        'Fixes: 0123456789ab ("mm: add the flag")',
        'Reported-by: "Doe, Jane" <Jane.Doe@Example.com>',
        "Link: https://lore.kernel.org/r/20240101-race@example.org",
        "Cc: stable@vger.kernel.org # 6.1+",
        f"Reviewed-by: {RITA}",
        "Signed-off-by: Sam Submitter <sam@example.org>",
    ]
    assert trailers[1].name == "Doe, Jane"
    assert trailers[1].email == "jane.doe@example.com"
    assert trailers[3].email == "stable@vger.kernel.org"


def test_patch_notes_continuations_and_generic_tokens() -> None:
    trailers = extract_trailers(_read("patch-notes-and-continuations.txt"))
    assert _lines(trailers) == [
        'Fixes: 89abcdef0123 ("frob: a subject long enough to be wrapped by the author")',
        f"Reviewed-by: {RITA}",
        f"Tested-by: {TESS}",
        "Change-Id: I0123456789abcdef",
        "Signed-off-by: Wrapped Name <wrapped@example.org>",
        "Signed-off-by: Maintainer Person <maint@example.org>",
    ]
    assert trailers[4].email == "wrapped@example.org"


def test_in_body_headers_are_not_trailers() -> None:
    trailers = extract_trailers(_read("patch-in-body-from.txt"))
    assert [t.kind for t in trailers] == ["Signed-off-by", "Signed-off-by"]


def test_only_in_body_from() -> None:
    assert extract_trailers("From: Real Author <real@example.org>\n") == ()


def test_prose_after_the_trailers_hides_them() -> None:
    # git interpret-trailers only looks at the last paragraph.
    assert extract_trailers(_read("patch-prose-last-paragraph.txt")) == ()


def test_trailer_only_paragraphs_before_the_last_join_it() -> None:
    trailers = extract_trailers(_read("patch-split-trailer-paragraphs.txt"))
    assert [t.kind for t in trailers] == ["Fixes", "Acked-by", "Signed-off-by"]


def test_block_of_unknown_tokens_is_not_a_trailer_block() -> None:
    assert extract_trailers(_read("patch-generic-tokens-only.txt")) == ()


def test_block_with_some_prose_still_counts() -> None:
    text = "Desc.\n\nSigned-off-by: A <a@example.org>\nsome stray words\n"
    assert _lines(extract_trailers(text)) == ["Signed-off-by: A <a@example.org>"]


def test_block_mostly_prose_does_not_count() -> None:
    text = "Desc.\n\nthree lines\nof prose\nSigned-off-by: A <a@example.org>\n"
    assert extract_trailers(text) == ()


def test_message_that_is_only_a_sign_off() -> None:
    text = "Signed-off-by: A <a@example.org>\n---\n x | 1 +\n"
    assert [t.email for t in extract_trailers(text)] == ["a@example.org"]


def test_indented_lines_are_not_trailers_in_patches() -> None:
    text = "Desc.\n\n    Reviewed-by: Quoted Example <q@example.org>\n"
    assert extract_trailers(text) == ()


def test_url_lines_are_not_tokens() -> None:
    text = "Desc.\n\nhttps://example.org/x\nSigned-off-by: A <a@example.org>\n"
    assert [t.kind for t in extract_trailers(text)] == ["Signed-off-by"]


@pytest.mark.parametrize(
    "tail",
    [
        "---\nReviewed-by: Below <b@example.org>\n",
        "--- \nReviewed-by: Below <b@example.org>\n",
        "-- \nReviewed-by: Below <b@example.org>\n",
        "diff --git a/x b/x\n+Reviewed-by: Below <b@example.org>\n",
        "--- a/x\n+++ b/x\n@@ -1 +1 @@\n+Reviewed-by: Below <b@example.org>\n",
    ],
)
def test_patch_reading_stops_at_separators(tail: str) -> None:
    text = f"Desc.\n\nSigned-off-by: A <a@example.org>\n{tail}"
    assert [t.kind for t in extract_trailers(text)] == ["Signed-off-by"]


def test_crlf_and_duplicates() -> None:
    text = "Desc.\r\n\r\nAcked-by: A <a@example.org>\r\nacked-by:  A  <a@example.org>\r\n"
    assert _lines(extract_trailers(text)) == ["Acked-by: A <a@example.org>"]


@pytest.mark.parametrize("text", ["", "\n\n", "---\n", "Desc only.\n"])
def test_no_trailers(text: str) -> None:
    assert extract_trailers(text) == ()
    assert extract_trailers(text, from_reply=True) == ()


# --- replies -------------------------------------------------------------------


def test_reply_between_quoted_blocks() -> None:
    message = next(iter(mailbox.mbox(DATA / "reply-review-between-quotes.mbox")))
    trailers = extract_trailers(_body(message), from_reply=True)
    assert _lines(trailers) == [
        f"Reviewed-by: {RITA}",
        "Tested-by: Rita Reviewer <RITA@example.org>",
        "Cc: José Müller <jose@example.org>",
        "Suggested-by: Jane Doe",
    ]
    assert trailers[1].email == "rita@example.org"
    assert (trailers[3].name, trailers[3].email) == ("", "")


def test_reply_html_junk_bare_address_and_plain_signature() -> None:
    trailers = extract_trailers(_read("reply-html-junk.txt"), from_reply=True)
    assert _lines(trailers) == [
        "Reviewed-by: HTML Junker <html-junker@example.com>",
        "Tested-by: bare-address@example.org",
        'Fixes: 0123456789ab ("frob: break it")',
        "Link: https://bugzilla.example.org/show_bug.cgi?id=1",
    ]
    assert (trailers[1].name, trailers[1].email) == ("", "bare-address@example.org")


@pytest.mark.parametrize(
    "line",
    [
        "please add my Reviewed-by: tag later",
        "I gave a Reviewed-by: earlier",
        "Note: generic tokens are prose in replies",
        "Change-Id: I0123456789abcdef",
        "Reviewed-by:",
        "Reviewed-by: ",
        "Acked-by: me",
        "Acked-by: looks good to me",
        "Fixes: the thing",
        "Link: below",
        "> Reviewed-by: Quoted Person <q@example.org>",
        "  >> Reviewed-by: Quoted Person <q@example.org>",
        "| Reviewed-by: Quoted Person <q@example.org>",
    ],
)
def test_reply_prose_is_not_a_trailer(line: str) -> None:
    assert extract_trailers(f"Hi,\n\n{line}\n\nThanks\n", from_reply=True) == ()


def test_reply_keeps_reading_past_triple_dash() -> None:
    text = "> patch\n> ---\n---\nReviewed-by: A Person <a@example.org>\n"
    assert [t.email for t in extract_trailers(text, from_reply=True)] == ["a@example.org"]


def test_patch_mode_sees_generic_tokens_reply_mode_does_not() -> None:
    text = "Desc.\n\nChange-Id: I123\nSigned-off-by: A <a@example.org>\n"
    assert [t.kind for t in extract_trailers(text)] == ["Change-Id", "Signed-off-by"]
    assert [t.kind for t in extract_trailers(text, from_reply=True)] == ["Signed-off-by"]


# --- add_trailers ----------------------------------------------------------------


def _review_trailers() -> list[Trailer]:
    return [make_trailer("Reviewed-by", RITA), make_trailer("Tested-by", TESS)]


@pytest.mark.parametrize("scenario", ["add-before-tripledash", "add-no-trailer-block"])
def test_add_trailers_fixtures(scenario: str) -> None:
    merged = add_trailers(_read(f"{scenario}.txt"), _review_trailers())
    assert merged == _read(f"{scenario}.expected.txt")


def test_add_trailers_skips_present_and_repeated() -> None:
    message = (
        "Desc.\n\nreviewed-by:  rita reviewer <RITA@example.org>\nSigned-off-by: S <s@x.org>\n"
    )
    trailers = [*_review_trailers(), make_trailer("Tested-by", TESS)]
    merged = add_trailers(message, trailers)
    assert merged == f"{message}Tested-by: {TESS}\n"


def test_add_trailers_nothing_new_returns_message_unchanged() -> None:
    message = f"Desc.\n\nReviewed-by: {RITA}\n---\n x | 1 +"
    assert add_trailers(message, [make_trailer("Reviewed-by", RITA)]) is message
    assert add_trailers(message, []) is message


def test_add_trailers_keeps_blank_line_before_separator() -> None:
    message = "Desc.\n\nSigned-off-by: S <s@x.org>\n\n--- a/x\n+++ b/x\n"
    merged = add_trailers(message, [make_trailer("Reviewed-by", RITA)])
    assert (
        merged == f"Desc.\n\nSigned-off-by: S <s@x.org>\nReviewed-by: {RITA}\n\n--- a/x\n+++ b/x\n"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", f"Reviewed-by: {RITA}\n"),
        (" \n\n", f"Reviewed-by: {RITA}\n"),
        ("\n", f"Reviewed-by: {RITA}\n"),
        ("Desc.", f"Desc.\n\nReviewed-by: {RITA}"),
        ("Desc.\n\n\n", f"Desc.\n\nReviewed-by: {RITA}\n\n\n"),
        ("Desc.\n---\n", f"Desc.\n\nReviewed-by: {RITA}\n---\n"),
    ],
)
def test_add_trailers_edge_messages(message: str, expected: str) -> None:
    assert add_trailers(message, [make_trailer("Reviewed-by", RITA)]) == expected


def test_add_trailers_crlf() -> None:
    message = "Desc.\r\n\r\nSigned-off-by: S <s@x.org>\r\n---\r\n"
    merged = add_trailers(message, [make_trailer("Reviewed-by", RITA)])
    assert merged == f"Desc.\r\n\r\nSigned-off-by: S <s@x.org>\r\nReviewed-by: {RITA}\r\n---\r\n"


def test_add_trailers_round_trip() -> None:
    original = _read("patch-trailer-block.txt")
    merged = add_trailers(original, _review_trailers())
    assert _lines(extract_trailers(merged))[-1] == f"Tested-by: {TESS}"
    assert len(extract_trailers(merged)) == len(extract_trailers(original)) + 1


# --- shared corpus: the seed thread and b4's follow-up trailer cases ---------------


@needs_shared
@pytest.mark.corpus
def test_seed_thread_review_and_quoted_sign_off() -> None:
    messages = list(mailbox.mbox(SHARED / "mail" / "alloc_pages_vma-thread.mbox"))
    patch, replies = messages[0], messages[1:]
    assert _lines(extract_trailers(_body(patch))) == [
        "Signed-off-by: Christoph Hellwig <hch@lst.de>"
    ]
    found = [extract_trailers(_body(reply), from_reply=True) for reply in replies]
    assert _lines(found[0]) == ["Reviewed-by: John Hubbard <jhubbard@nvidia.com>"]
    assert found[0][0].email == "jhubbard@nvidia.com"
    assert all(t.kind != "Signed-off-by" for trailers in found for t in trailers)


def _b4_single_patch_cases() -> list[str]:
    expected_dir = SHARED / "corpus" / "b4" / "expected"
    if not expected_dir.is_dir():
        return []
    cases = []
    for path in sorted(expected_dir.glob("trailers-followup-*-ref-defaults.txt")):
        # Multi-patch series need thread matching, which is not this module's job.
        if path.read_text(encoding="utf-8").count("\nFrom git@z ") == 0:
            cases.append(path.name.removesuffix("-ref-defaults.txt"))
    return cases


def _collect_from_replies(replies: list[mailbox.mboxMessage]) -> list[Trailer]:
    # b4 only applies a follow-up trailer when its address is the sender's.
    collected: list[Trailer] = []
    for reply in replies:
        sender = parseaddr(reply["From"])[1].lower()
        trailers = extract_trailers(_body(reply), from_reply=True)
        collected.extend(t for t in trailers if t.email == sender)
    return collected


@needs_shared
@pytest.mark.corpus
@pytest.mark.parametrize("case", _b4_single_patch_cases())
def test_b4_followup_trailers_match_reference(case: str) -> None:
    b4 = SHARED / "corpus" / "b4"
    patch, *replies = list(mailbox.mbox(b4 / f"{case}.mbox"))
    merged = add_trailers(_body(patch), _collect_from_replies(replies))
    expected = next(iter(mailbox.mbox(b4 / "expected" / f"{case}-ref-defaults.txt")))
    assert _lines(extract_trailers(merged)) == _lines(extract_trailers(_body(expected)))


@needs_shared
@pytest.mark.corpus
def test_b4_already_present_adds_nothing() -> None:
    patch, *replies = list(
        mailbox.mbox(SHARED / "corpus/b4/trailers-followup-already-present.mbox")
    )
    suggested = extract_trailers(_body(replies[0]), from_reply=True)
    assert len(suggested) == 5  # indented in the reply, still recognised
    assert add_trailers(_body(patch), suggested) == _body(patch)
