# SPDX-License-Identifier: AGPL-3.0-or-later
"""reviews.diffs: finding patches in mail and summarising diffs.

Mails come from tests/data/diffs/ (one scenario each) and, when the shared
corpus is present, from Patchwork's parser test mails and linux-rtc. The
project's own mail parser lives elsewhere; these tests decode mail with the
standard library only, to hand diffs.py the text it is specified to take.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import re
from collections.abc import Iterator
from email.message import EmailMessage
from functools import cache
from pathlib import Path

import pytest

from reviews.diffs import (
    FileStat,
    PatchContent,
    diffstat,
    find_patch,
    find_pull_url,
    split_diff,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "diffs"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PATCHWORK_MAIL = SHARED / "corpus" / "patchwork" / "mail"
LINUX_RTC = SHARED / "corpus" / "linux-rtc.mbox.gz"

needs_patchwork_mail = pytest.mark.skipif(
    not PATCHWORK_MAIL.is_dir(), reason="shared Patchwork corpus absent"
)
needs_linux_rtc = pytest.mark.skipif(not LINUX_RTC.is_file(), reason="linux-rtc corpus absent")

Attachments = list[tuple[str, str, str]]


# --- mail helpers (also used by test_hashing) -----------------------------


def _text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # charset "none" and friends
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def mail_parts(raw: bytes) -> tuple[str, Attachments]:
    """The decoded text/plain body and the other text parts of one message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    attachments: Attachments = []
    for part in message.walk():
        if part is body or part.is_multipart() or part.get_content_maintype() != "text":
            continue
        attachments.append((part.get_content_type(), part.get_filename() or "", _text(part)))
    return (_text(body) if body is not None else ""), attachments


def _unescape_mboxrd(raw: bytes) -> bytes:
    return re.sub(rb"(?m)^>(>*From )", rb"\1", raw)


def read_message(path: Path) -> bytes:
    """One message from a single-message mbox file, without its From_ line."""
    raw = path.read_bytes()
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1]
    return _unescape_mboxrd(raw)


def iter_mboxrd(raw: bytes) -> Iterator[bytes]:
    for chunk in re.split(rb"(?m)^From [^\n]*\n", raw)[1:]:
        yield _unescape_mboxrd(chunk)


def fixture_patch(name: str) -> PatchContent | None:
    return find_patch(*mail_parts(read_message(DATA / name)))


def patchwork_patch(prefix: str) -> PatchContent | None:
    (path,) = PATCHWORK_MAIL.glob(f"{prefix}-*.mbox")
    return find_patch(*mail_parts(read_message(path)))


def iter_linux_rtc_bodies() -> Iterator[str]:
    """text/plain bodies of linux-rtc, parsed lazily (the whole list takes ~10 s)."""
    raw = gzip.decompress(LINUX_RTC.read_bytes())
    for message in iter_mboxrd(raw):
        yield mail_parts(message)[0]


@cache
def linux_rtc_bodies() -> tuple[str, ...]:
    return tuple(iter_linux_rtc_bodies())


def _get(content: PatchContent | None) -> PatchContent:
    assert content is not None
    return content


def _diff(content: PatchContent | None) -> str:
    diff = _get(content).diff
    assert diff is not None
    return diff


# --- own fixtures ----------------------------------------------------------


def test_inline_git_diff_splits_message_and_diff() -> None:
    content = _get(fixture_patch("git-inline-diff.mbox"))
    assert content.pull_url is None
    assert content.message.startswith("Probing without hardware")
    assert content.message.endswith(" 1 file changed, 1 insertion(+), 1 deletion(-)\n\n")
    diff = _diff(content)
    assert diff.startswith("diff --git a/drivers/rtc/core.c b/drivers/rtc/core.c\n")
    # The context line "- " (" - ") stays; the signature and version go.
    assert "\n - \n int x;\n" in diff
    assert diff.endswith(" int x;\n")
    assert "2.39.5" not in diff
    assert "diff --git" not in content.message


def test_signature_line_inside_hunk_is_diff() -> None:
    diff = _diff(fixture_patch("git-signature-inside-hunk.mbox"))
    # The hunk removes a line "- ", shown as "-- " just like a signature.
    assert diff.endswith(" int y;\n-- \n")
    assert diff.count("-- \n") == 1
    assert "2.39.5" not in diff


def test_diff_followed_by_signature_and_list_footer() -> None:
    content = _get(fixture_patch("diff-followed-by-signature.mbox"))
    diff = _diff(content)
    assert diff.endswith("+\t/* the register map */\n \tstruct regmap *regmap;\n")
    assert "mailing list" not in diff
    assert "mailing list" not in content.message
    assert content.message.endswith("1 file changed, 1 insertion(+), 1 deletion(-)\n\n")


def test_quoted_diff_reply_is_not_a_patch() -> None:
    assert fixture_patch("quoted-diff-reply.mbox") is None


def test_plain_diff_u() -> None:
    content = _get(fixture_patch("plain-diff-u.mbox"))
    assert content.message.endswith("Signed-off-by: Dave Hacker <dave@example.org>\n\n")
    assert _diff(content).startswith("--- rtc.c.orig\t")
    assert diffstat(_diff(content)) == (FileStat("rtc.c", None, 2, 1, False, "modified"),)


def test_hg_export() -> None:
    content = _get(fixture_patch("hg-export.mbox"))
    assert content.message.startswith("# HG changeset patch\n")
    assert content.message.endswith("clock: count from one\n\n")
    diff = _diff(content)
    assert diff.startswith("diff -r 0a1b2c3d4e5f -r 5f1c2a9d3b7e clock.py\n")
    assert diff.endswith("+Counts from one.\n")
    assert [(s.path, s.added, s.removed) for s in diffstat(diff)] == [
        ("clock.py", 1, 1),
        ("README", 1, 0),
    ]


def test_svn_index_diff() -> None:
    diff = _diff(fixture_patch("svn-index-diff.mbox"))
    assert diff.startswith("Index: trunk/main.c\n====")
    assert diffstat(diff) == (FileStat("trunk/main.c", None, 1, 1, False, "modified"),)


def test_pull_request_without_diff() -> None:
    content = _get(fixture_patch("git-pull-request.mbox"))
    assert content.pull_url == (
        "git://git.kernel.org/pub/scm/linux/kernel/git/abelloni/linux.git tags/rtc-6.8"
    )
    assert content.diff is None
    assert content.message.startswith("Hello Linus,")


def test_attached_patch_and_ignored_html_part() -> None:
    content = _get(fixture_patch("attached-x-patch.mbox"))
    assert content.message.startswith("My mailer mangles inline patches")
    diff = _diff(content)
    assert diff.startswith("diff --git a/drivers/rtc/core.c b/drivers/rtc/core.c\n")
    assert diff.endswith(" int x;\n")
    assert "<div>" not in diff
    assert "Subject:" not in diff


def test_rename_binary_mode_empty_and_deleted_files() -> None:
    diff = _diff(fixture_patch("git-rename-binary-mode-empty-delete.mbox"))
    assert "GIT binary patch\nliteral 14\n" in diff
    assert "\nliteral 0\nHcmV?d00001\n\n" in diff
    assert "\\ No newline at end of file\n" in diff
    assert diff.endswith("-echo hi\n")
    assert diffstat(diff) == (
        FileStat("README.md", "README", 1, 1, False, "renamed"),
        FileStat("dot.gif", None, 0, 0, True, "added"),
        FileStat("drivers/rtc/core.c", None, 0, 0, False, "mode"),
        FileStat("empty.txt", None, 0, 0, False, "added"),
        FileStat("note.txt", None, 1, 0, False, "added"),
        FileStat("run.sh", None, 0, 2, False, "removed"),
    )


# --- find_patch on small texts --------------------------------------------

SIMPLE_DIFF = (
    "diff --git a/x.c b/x.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/x.c\n"
    "+++ b/x.c\n"
    "@@ -1,2 +1,2 @@\n"
    " a\n"
    "-b\n"
    "+c\n"
)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "Thanks, applied.\n",
        "Looks good to me.\n\n--- \nSent from my phone\n",
        "-----Original Message-----\nFrom: x\n\n--- a\nnot a diff\n",
        "I ran diff -u on it\ndiff of the output is empty\n",
        "> diff --git a/x.c b/x.c\n> --- a/x.c\n> +++ b/x.c\n> @@ -1 +1 @@\n> -a\n> +b\n",
        "Index: none\nplain text follows\n",
    ],
)
def test_texts_without_a_diff_are_not_patches(body: str) -> None:
    assert find_patch(body) is None


def test_quoted_hunk_lines_do_not_start_a_diff() -> None:
    body = "On Monday you wrote:\n> @@ -1,2 +1,2 @@\n>  a\n> -b\n> +c\n\nAgreed.\n"
    assert find_patch(body) is None


def test_diff_at_start_without_trailing_newline() -> None:
    content = _get(find_patch(SIMPLE_DIFF.rstrip("\n")))
    assert content.message == ""
    assert content.diff == SIMPLE_DIFF


def test_crlf_body() -> None:
    body = "Fix.\r\n---\r\n" + SIMPLE_DIFF.replace("\n", "\r\n") + "-- \r\n2.40.0\r\n"
    content = _get(find_patch(body))
    assert content.message == "Fix.\r\n---\r\n"
    assert content.diff == SIMPLE_DIFF.replace("\n", "\r\n")


def test_form_feed_in_context_does_not_split_lines() -> None:
    diff = SIMPLE_DIFF.replace(" a\n", " \x0c a\n")
    assert _get(find_patch("msg\n" + diff + "-- \n2.1\n")).diff == diff


def test_missing_hunk_counts_mean_one() -> None:
    diff = "--- a/x\n+++ b/x\n@@ -3 +3 @@\n-old\n+new\n"
    assert _get(find_patch(f"text\n{diff}-- \nsig\n")).diff == diff


def test_blank_context_line_stripped_by_mailer_counts_as_context() -> None:
    diff = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n"
    assert _get(find_patch(f"text\n{diff}\n\nBye\n")).diff == diff


def test_short_hunk_ends_at_next_file_header() -> None:
    short = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n-a\n+b\n"
    body = short + SIMPLE_DIFF
    assert _get(find_patch(body)).diff == body


def test_diff_segments_after_remarks_are_joined() -> None:
    second = SIMPLE_DIFF.replace("x.c", "y.c")
    body = "Intro\n" + SIMPLE_DIFF + "\nAnd also:\n\n" + second + "-- \n2.1\n"
    content = _get(find_patch(body))
    assert content.message == "Intro\n"
    assert content.diff == SIMPLE_DIFF + second


def test_git_style_hg_export() -> None:
    body = "# HG changeset patch\n# User a\nsubject\n\n" + SIMPLE_DIFF
    assert _get(find_patch(body)).diff == SIMPLE_DIFF


def test_new_empty_file_and_mode_change_without_hunks() -> None:
    diff = (
        "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n"
        "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n"
    )
    content = _get(find_patch("msg\n---\n\n" + diff + "-- \n2.20.1\n"))
    assert content.diff == diff
    assert [s.status for s in diffstat(diff)] == ["added", "mode"]


def test_diff_git_line_alone_is_not_a_diff() -> None:
    assert find_patch("Use diff --git a/x b/x\ndiff --git a/x b/x\nis what I ran\n") is None


@pytest.mark.parametrize(
    ("content_type", "found"),
    [
        ("text/x-patch", True),
        ("text/x-diff", True),
        ("text/x-diff-something", True),
        ("TEXT/X-PATCH", True),
        ("text/plain", True),
        ("text/html", False),
        ("application/octet-stream", False),
    ],
)
def test_attachment_content_types(content_type: str, found: bool) -> None:
    content = find_patch("See attached.\n", [(content_type, "fix.patch", SIMPLE_DIFF)])
    if found:
        assert content == PatchContent("See attached.\n", SIMPLE_DIFF, None)
    else:
        assert content is None


def test_attachment_diffs_follow_body_diff() -> None:
    second = SIMPLE_DIFF.replace("x.c", "y.c")
    content = _get(find_patch("msg\n" + SIMPLE_DIFF, [("text/x-diff", "b.diff", second)]))
    assert content.diff == SIMPLE_DIFF + second
    assert content.message == "msg\n"


# --- pull requests ---------------------------------------------------------

PULL_HEAD = "The following changes since commit abc:\n\n  Linux 6.7\n\n"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("are available in the git repository at:\n\n  git://h/r.git next\n", "git://h/r.git next"),
        (
            "are available in the Git repository at:\n\n  https://h/r.git/\ntags/v5.4\n\n",
            "https://h/r.git/ tags/v5.4",
        ),
        (
            "are available in the Git repository at:   \n   \n  git://h/r.git tags/x/soc   \n",
            "git://h/r.git tags/x/soc",
        ),
        ("are available in the git repository at:\n\n  git+ssh://h/r.git next\n", None),
        ("are available in the git repository at:\n\n  ssh://git@h/r.git b\n", None),
        ("are available in the git repository at:\n\n  http://h/r b\n", None),
        ("are available in the git repository at:\n\n  git@github.com:o/r.git b\n", None),
        (
            "are available in the Git repository at:\n\n  git://h/net \n\n"
            "for you to fetch changes up to abc:\n",
            "git://h/net",
        ),
    ],
)
def test_pull_url_variants(tail: str, expected: str | None) -> None:
    if expected is None:  # the URL line itself, normalised
        expected = " ".join(tail.split("\n")[2].split())
    assert find_pull_url(PULL_HEAD + tail) == expected


def test_wrapped_intro_line() -> None:
    body = (
        "The following changes since commit\nabc:\n  X (1):\n        Merge\n\n"
        "are available in the git repository at:\n\n  git://h/r.git next\n\nA (1):\n"
    )
    assert find_pull_url(body) == "git://h/r.git next"


@pytest.mark.parametrize(
    "body",
    [
        "Nothing since commit abc changed.\n",
        "> The following changes since commit abc:\n>\n> are available in the git repository at:\n"
        ">\n>   git://h/r.git next\n",
        PULL_HEAD + "are available in the git repository at:\n\n  not a url\n",
        PULL_HEAD + "are available in the git repository at:\n",
    ],
)
def test_not_pull_requests(body: str) -> None:
    assert find_pull_url(body) is None


# --- diffstat -----------------------------------------------------------


@pytest.mark.parametrize(
    "diff",
    [
        "",
        "garbage\n",
        "@@ -1 +1 @@\n-a\n+b\n",
        "+++ b/x\n@@ -1 +1 @@\n",
        "diff --git a/x\nnew file mode 12\n",
        "--- a/x\n+++ b/y\n@@ -1,9 +1,9 @@\n-a\n",
        "diff --git a/x b/x\nGIT binary patch\nliteral 3\nzzz\n\n\n\n",
        "\x00\udcff\r\n\\ No newline at end of file\n",
    ],
)
def test_diffstat_never_raises(diff: str) -> None:
    assert isinstance(diffstat(diff), tuple)


def test_diffstat_falls_back_when_unidiff_rejects_a_short_hunk() -> None:
    short = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n-a\n+b\n"
    assert diffstat(short + SIMPLE_DIFF) == (
        FileStat("x", None, 1, 1, False, "modified"),
        FileStat("x.c", None, 1, 1, False, "modified"),
    )


def test_diffstat_strips_differing_top_directories() -> None:
    diff = "--- linux.orig/drivers/x.c\n+++ linux/drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n"
    assert diffstat(diff)[0].path == "drivers/x.c"


def test_diffstat_deleted_and_copied_files() -> None:
    diff = (
        "diff --git a/old b/old\ndeleted file mode 100644\nindex 1..0\n"
        "--- a/old\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        "diff --git a/a b/c\nsimilarity index 90%\ncopy from a\ncopy to c\n"
    )
    assert diffstat(diff) == (
        FileStat("old", None, 0, 1, False, "removed"),
        FileStat("c", "a", 0, 0, False, "modified"),
    )


# --- Patchwork's parser test mails ------------------------------------------

PULL_URLS = {
    "0001": "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0002": "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0004": "git+ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0005": "ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0006": "http://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0017": "git://git.kernel.org/pub/scm/linux/kernel/git/davem/net",
    "0023": "https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/"
    " tags/v5.4-next-soc",
    "0024": "git://git.kernel.org/pub/scm/linux/kernel/git/nsekhar/linux-davinci.git"
    " tags/davinci-for-v5.6/soc",
}


@needs_patchwork_mail
@pytest.mark.corpus
@pytest.mark.parametrize(("prefix", "url"), sorted(PULL_URLS.items()))
def test_patchwork_pull_requests(prefix: str, url: str) -> None:
    content = _get(patchwork_patch(prefix))
    assert content.pull_url == url
    assert content.diff is None


@needs_patchwork_mail
@pytest.mark.corpus
def test_patchwork_pull_request_with_diff() -> None:
    content = _get(patchwork_patch("0003"))
    assert content.pull_url == (
        "git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git x86-fixes-for-linus"
    )
    assert _diff(content).startswith("diff --git a/arch/x86/include/asm/smp.h")


@needs_patchwork_mail
@pytest.mark.corpus
def test_patchwork_cvs_diff() -> None:
    assert _diff(patchwork_patch("0007")).startswith("Index")


@needs_patchwork_mail
@pytest.mark.corpus
@pytest.mark.parametrize("prefix", ["0008", "0009"])
def test_patchwork_renames(prefix: str) -> None:
    diff = _diff(patchwork_patch(prefix))
    assert diff.count("rename from ") == 2
    assert diff.count("rename to ") == 2
    changed = [line for line in diff.splitlines() if re.fullmatch(r"[-+][ab]", line)]
    assert changed == (["-a", "+b"] if prefix == "0009" else [])


@needs_patchwork_mail
@pytest.mark.corpus
@pytest.mark.parametrize("prefix", ["0010", "0012", "0013", "0014", "0015", "0016", "0021", "0022"])
def test_patchwork_patches_have_message_and_diff(prefix: str) -> None:
    content = _get(patchwork_patch(prefix))
    assert content.message.strip()
    assert _diff(content).strip()


@needs_patchwork_mail
@pytest.mark.corpus
def test_patchwork_no_newline_at_end_of_file() -> None:
    content = _get(patchwork_patch("0011"))
    diff = _diff(content)
    assert diff.startswith("diff --git a/tools/testing/selftests/powerpc/Makefile")
    assert diff.endswith("\\ No newline at end of file\n")
    assert diff.count("\\ No newline at end of file") == 2
    assert "No newline" not in content.message


@needs_patchwork_mail
@pytest.mark.corpus
def test_patchwork_multipart_ignores_html() -> None:
    content = _get(patchwork_patch("0019"))
    assert "<div" not in _diff(content)
    assert "<div" not in content.message


@needs_patchwork_mail
@pytest.mark.corpus
def test_patchwork_comment_is_not_a_patch() -> None:
    assert patchwork_patch("0020") is None


@needs_patchwork_mail
@pytest.mark.corpus
@pytest.mark.parametrize("prefix", ["0025", "0026", "0027"])
def test_patchwork_binary_patches(prefix: str) -> None:
    diff = _diff(patchwork_patch(prefix))
    assert diff.startswith("diff --git pixel.bmp pixel.bmp")
    for needle in ("GIT binary patch", "literal 142", "literal 0"):
        assert needle in diff
    assert ("diff --git quit.sh quit.sh" in diff) == (prefix == "0026")
    assert diffstat(diff)[0] == FileStat(
        "pixel.bmp", None, 0, 0, True, "modified" if prefix == "0027" else "added"
    )


# --- linux-rtc ---------------------------------------------------------------


@needs_linux_rtc
@pytest.mark.corpus
def test_linux_rtc_every_unquoted_git_diff_is_found() -> None:
    bodies = linux_rtc_bodies()
    with_diff = [body for body in bodies if "\ndiff --git " in body]
    assert len(with_diff) > 6000
    for body in with_diff:
        content = find_patch(body)
        assert content is not None and content.diff is not None
        # Mangled or half-quoted headers may stay in the message, real diffs not.
        assert split_diff(content.message)[1] == []
        # format-patch's "-- \n2.x.y" signature never leaks into the diff.
        assert re.search(r"(?m)^-- \n\d+\.\d+", content.diff) is None
        for stat in diffstat(content.diff):
            assert stat.path
