"""Subject parsing: Patchwork-compatible names plus series facts."""

from __future__ import annotations

import dataclasses
import mailbox
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from reviews.subjects import ParsedSubject, parse_series_marker, parse_subject, parse_version

DATA = Path(__file__).resolve().parents[1] / "data" / "subjects"


@pytest.mark.parametrize(
    ("subject", "name", "prefixes"),
    [
        ("[PATCH RESEND v2 3/5] foo", "[RESEND,v2,3/5] foo", ("RESEND", "v2", "3/5")),
        (
            "[PATCH 05/22] mm: export alloc_pages_vma",
            "[05/22] mm: export alloc_pages_vma",
            ("05/22",),
        ),
        (
            "[RFC PATCH net-next v3 05/22] x",
            "[RFC,net-next,v3,05/22] x",
            ("RFC", "net-next", "v3", "05/22"),
        ),
        ("[PATCH] [RFC,1/2] meep", "[RFC,1/2] meep", ("RFC", "1/2")),
        ("[PATCH] rewrite [a-z] regexes", "rewrite [a-z] regexes", ()),
        ("[PATCH] foo", "foo", ()),
        ("[patch] lower-case tag", "lower-case tag", ()),
        ("plain subject", "plain subject", ()),
        ("[PATCH 1/2 v2] order swapped", "[1/2,v2] order swapped", ("1/2", "v2")),
        ("[PATCHv2 1/2] glued", "[v2,1/2] glued", ("v2", "1/2")),
        ("[PATCH-v4] dashed glue", "[v4] dashed glue", ("v4",)),
        ("[PATCH V3] upper", "[V3] upper", ("V3",)),
        ("[GIT PULL] fixes for 6.8", "[GIT,PULL] fixes for 6.8", ("GIT", "PULL")),
        ("[PATCH v2 0/3] cover", "[v2,0/3] cover", ("v2", "0/3")),
        ("[PATCH 0/3]", "[0/3]", ("0/3",)),
        ("[PATCH,v2,  2/3]   spaced   out  ", "[v2,2/3] spaced out", ("v2", "2/3")),
        ("[] empty group", "empty group", ()),
        ("[PATCH] [] [RFC] groups", "[RFC] groups", ("RFC",)),
    ],
)
def test_name_and_prefixes(subject: str, name: str, prefixes: tuple[str, ...]) -> None:
    parsed = parse_subject(subject)
    assert parsed.name == name
    assert parsed.prefixes == prefixes


def test_resend_example_in_full() -> None:
    assert parse_subject("[PATCH RESEND v2 3/5] foo") == ParsedSubject(
        name="[RESEND,v2,3/5] foo",
        title="foo",
        prefixes=("RESEND", "v2", "3/5"),
        version=2,
        number=3,
        total=5,
        is_reply=False,
        has_patch_tag=True,
    )


@pytest.mark.parametrize(
    ("subject", "version", "number", "total"),
    [
        ("[PATCH 05/22] mm: export alloc_pages_vma", 1, 5, 22),
        ("[PATCH v2 0/3] cover", 2, 0, 3),
        ("[PATCH 1/2 v2] x", 2, 1, 2),
        ("[PATCHv2 1/2] x", 2, 1, 2),
        ("[PATCH V3] x", 3, None, None),
        ("[PATCH v12 10/11] x", 12, 10, 11),
        ("[PATCH version2] x", 1, None, None),
        ("[PATCH v2.1] x", 1, None, None),
        ("[PATCH rev2] x", 1, None, None),
        ("[PATCH 3/n] x", 1, 3, None),
        ("[PATCH 1/0] x", 1, 1, 0),
        ("[PATCH x/3] x", 1, None, None),
        ("[PATCH net/mlx5] x", 1, None, None),
        ("[PATCH] x", 1, None, None),
    ],
)
def test_version_and_series_marker(
    subject: str, version: int, number: int | None, total: int | None
) -> None:
    parsed = parse_subject(subject)
    assert (parsed.version, parsed.number, parsed.total) == (version, number, total)


@pytest.mark.parametrize(
    "subject",
    [
        "Re: [PATCH v2] x",
        "RE: [PATCH v2] x",
        "re: re: Re: [PATCH v2] x",
        "Re[2]: [PATCH v2] x",
        "Re^3: [PATCH v2] x",
        "Fwd: [PATCH v2] x",
        "Fw: [PATCH v2] x",
        "AW: Re: [PATCH v2] x",
        "Sv: [PATCH v2] x",
        "Re : [PATCH v2] x",
        "[linux-mm] Re: [PATCH v2] x",
    ],
)
def test_reply_markers_are_stripped(subject: str) -> None:
    parsed = parse_subject(subject, drop_prefixes=["linux-mm"])
    assert parsed.is_reply
    assert parsed.name == "[v2] x"
    assert parsed.version == 2


@pytest.mark.parametrize(
    "subject",
    ["regmap: fix the cache", "fwnode: add helper", "Review of the frob", "[PATCH] reply: hm"],
)
def test_words_starting_like_reply_markers_are_not_replies(subject: str) -> None:
    parsed = parse_subject(subject)
    assert not parsed.is_reply
    assert parsed.title == subject.removeprefix("[PATCH] ")


def test_reply_marker_inside_title_is_kept() -> None:
    parsed = parse_subject("[PATCH] frob: handle Re: in subjects")
    assert parsed.title == "frob: handle Re: in subjects"
    assert not parsed.is_reply


@pytest.mark.parametrize(
    ("subject", "has_patch_tag"),
    [
        ("[PATCH] x", True),
        ("[RFC PATCH] x", True),
        ("[PATCHv3] x", True),
        ("[PULL] x", True),
        ("[GIT PULL] x", True),
        ("[RFC] x", False),
        ("[ANNOUNCE] x", False),
        ("question about PATCH handling", False),
        ("[foo] [PATCH] x", True),
    ],
)
def test_has_patch_tag(subject: str, has_patch_tag: bool) -> None:
    assert parse_subject(subject).has_patch_tag is has_patch_tag


def test_drop_prefixes_is_case_insensitive_and_keeps_order() -> None:
    parsed = parse_subject("[Linux-MM] [RFC PATCH linux-mm v2 1/3] x", drop_prefixes=("linux-mm",))
    assert parsed.prefixes == ("RFC", "v2", "1/3")
    assert parsed.name == "[RFC,v2,1/3] x"


def test_drop_prefixes_accepts_any_iterable() -> None:
    parsed = parse_subject("[nouveau] [PATCH] x", drop_prefixes=iter(["NOUVEAU"]))
    assert parsed.name == "x"


def test_list_tag_is_kept_without_drop_prefixes() -> None:
    assert parse_subject("[linux-mm] [PATCH] x").prefixes == ("linux-mm",)


def test_whitespace_and_newlines_collapse() -> None:
    parsed = parse_subject("  [PATCH\n v2]\tmm:\r\n   export   it \n")
    assert parsed.name == "[v2] mm: export it"
    assert parsed.title == "mm: export it"


@pytest.mark.parametrize("subject", ["", None, "   ", "\n\t"])
def test_empty_subject(subject: str | None) -> None:
    parsed = parse_subject(subject)
    assert parsed.name == ""
    assert parsed.title == ""
    assert parsed.prefixes == ()
    assert parsed.version == 1
    assert not parsed.is_reply
    assert not parsed.has_patch_tag


@pytest.mark.parametrize(
    "subject",
    [
        "[",
        "]",
        "[PATCH",
        "[[PATCH]] x",
        "Re:",
        "Re: ",
        "[PATCH 99999999999999999999999/3] x",
        "[PATCH v99999999999999999999] x",
        "[PATCH ///] x",
        "[PATCH] [",
        "Re: Re: [ ] [ , ] x",
    ],
)
def test_odd_subjects_do_not_raise(subject: str) -> None:
    parsed = parse_subject(subject)
    assert isinstance(parsed.name, str)


def test_unclosed_bracket_stays_in_title() -> None:
    assert parse_subject("[PATCH v2 x").title == "[PATCH v2 x"


def test_parsed_subject_is_frozen() -> None:
    parsed = parse_subject("[PATCH] x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.name = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("3/5", (3, 5)),
        ("05/22", (5, 22)),
        (" 1/2 ", (1, 2)),
        ("3/n", (3, None)),
        ("n/3", (None, None)),
        ("1/", (None, None)),
        ("/2", (None, None)),
        ("v2", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_series_marker(prefix: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_series_marker(prefix) == expected


def test_parse_version_takes_first_vn() -> None:
    assert parse_version(["RFC", "v3", "v4"]) == 3
    assert parse_version(["RFC"]) == 1
    assert parse_version([]) == 1


def _subject_of(path: Path) -> str:
    message = next(iter(mailbox.mbox(path)))
    return str(make_header(decode_header(message["Subject"])))


def test_folded_header_from_mbox() -> None:
    parsed = parse_subject(_subject_of(DATA / "folded-subject.mbox"))
    assert parsed.is_reply
    assert parsed.name == (
        "[RESEND,v2,3/5] mm: a rather long subject that git send-email "
        "had to fold over several lines"
    )
    assert (parsed.version, parsed.number, parsed.total) == (2, 3, 5)


def test_encoded_header_from_mbox() -> None:
    parsed = parse_subject(_subject_of(DATA / "encoded-subject.mbox"), drop_prefixes=["linux-mm"])
    assert parsed.is_reply
    assert parsed.prefixes == ("net-next", "v3", "05/22")
    assert parsed.title == "café: fix naïve locking"
