# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail text as HTML: everything escaped, quoted lines and diffs marked up by line."""

from __future__ import annotations

import html
import re
from datetime import UTC

from django.utils.safestring import SafeString, mark_safe

from archive.invisible import CODE, PROSE, escape_visible
from archive.msgids import msgid_path
from archive.processors import message_links
from archive.snippets import MARK_END, MARK_START

_DIFF_START = ("diff --git ", "--- a/", "+++ b/", "@@ ")


def render_body(text: str) -> SafeString:
    """The body as escaped lines; quoted text and diff lines get a class.

    Lines are split at ``\n`` only; invisible characters become markers
    (``archive.invisible``), zero-width joiners too from the first diff line on.
    """
    # Escaping leaves newlines alone, so the text is escaped once and split
    # alike; the per-line markers are looked for only when the whole text has
    # an invisible character (CODE holds every PROSE one).
    escaped_text = html.escape(text, quote=False)
    marked = CODE.search(escaped_text) is not None
    return mark_safe(_lines(text, escaped_text, marked))  # every piece escaped


def _lines(text: str, escaped_text: str, marked: bool) -> str:
    """``text`` (escaped as ``escaped_text``) line by line, from outside any diff."""
    out: list[str] = []
    append = out.append
    in_diff = False
    # A long thread page renders tens of thousands of lines (an 81-message
    # thread, 18,000): each is sorted by its first character before any longer
    # test. (A pattern over the escaped text for the quoted lines before a
    # diff was slower: a Python call per match.)
    for line, escaped in zip(text.split("\n"), escaped_text.split("\n"), strict=True):
        first = line[:1]
        if not in_diff and first in _MAY_START_DIFF and line.startswith(_DIFF_START):
            in_diff = True
        elif in_diff and first == "-" and line.startswith("-- ") and line.rstrip() == "--":
            in_diff = False  # the signature separator ends the diff; it is no removed line
        if marked:
            escaped = escape_visible(line, CODE if in_diff else PROSE)
        if first == ">":
            depth = len(line) - len(line.lstrip(">"))
            append(f'<span class="q q{min(depth, 3)}">{escaped}</span>')
        elif in_diff and (cls := _diff_class(line, first)):
            append(f'<span class="{cls}">{escaped}</span>')
        else:
            append(escaped)
    return "\n".join(out)


# First characters of the lines _DIFF_START matches, and of the lines a diff classes
# ("" is in no set: an empty line is neither).
_MAY_START_DIFF = frozenset("d-+@")


def _diff_class(line: str, first: str) -> str:
    """The class of a line inside a diff that is not quoted: a hunk header, a file
    header, an added or a removed line, or none."""
    if first == "+":
        return "dhead" if line.startswith("+++") else "add"
    if first == "-":
        return "dhead" if line.startswith("---") else "del"
    if first == "@":
        return "hunk" if line.startswith("@@") else ""
    if first == "d":
        return "dhead" if line.startswith("diff ") else ""
    return ""


def render_thread_overview(list_name: str, current_id: int, entries: list) -> SafeString:
    """The thread tree under a message (``browse.ThreadEntry`` list), the current one in bold.

    As on lore, a reply whose subject only repeats its parent's ("Re: " and
    all) shows its sender alone: the subject lines left are the ones that say
    something new. Built with f-strings rather than a template: a 100-message
    thread took 15 ms through Django's template engine, the largest part of
    showing a message for the first time.
    """
    if not entries:
        return mark_safe("")
    subjects = {e.message.pk: _bare_subject(e.message.subject) for e in entries}
    items = []
    for entry in entries:
        m = entry.message
        repeats = bool(m.parent_id) and subjects.get(m.parent_id) == subjects[m.pk]
        when = m.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if m.date else ""
        text = _overview_line(list_name, current_id, m, repeats and not m.is_ghost)
        items.append(f'<li class="depth-{min(entry.depth, 12)}">{text} <time>{when}</time></li>')
    return mark_safe(  # every piece above is escaped
        '<section class="pi-thread-overview">\n<h2>Thread overview</h2>\n<ul class="pi-tree">\n'
        + "\n".join(items)
        + "\n</ul>\n</section>\n"
    )


def _overview_line(list_name: str, current_id: int, m, repeats: bool) -> str:
    esc = html.escape
    if m.is_ghost:
        return f'<span class="ghost">[not archived] &lt;{esc(m.msgid)}&gt;</span>'
    author = f"<bdi>{esc(m.author.display_name)}</bdi>" if m.author else ""
    if repeats:  # the sender stands for the message
        label, after = author or "(no sender)", ""
    else:
        label = f"<bdi>{esc(m.subject or '(no subject)')}</bdi>"
        after = f" {author}" if author else " "
    if m.pk == current_id:
        return f"<b>{label}</b>{after}"
    href = f"/{esc(list_name)}/{esc(msgid_path(m.msgid))}/"
    title = f' title="{esc(m.subject)}"' if repeats and m.subject else ""
    return f'<a href="{href}"{title}>{label}</a>{after}'


# "Re: ", "RE: ", "Aw: ", "Fwd: " (repeated, with a count like "Re[2]:") before a subject.
_REPLY_PREFIX_RE = re.compile(r"^(?:\s*(?:re|aw|sv|fwd?)\s*(?:\[\d+\])?\s*:)+\s*", re.I)


def _bare_subject(subject: str | None) -> str:
    """A subject without reply prefixes, case or runs of space, to compare with its parent's."""
    return " ".join(_REPLY_PREFIX_RE.sub("", subject or "").split()).lower()


_MARK_RE = re.compile(re.escape(MARK_START) + "(.*?)" + re.escape(MARK_END), re.S)
# Text whose markers open and close in turn (what archive.snippets writes).
_PAIRED_MARKS_RE = re.compile(
    f"[^{MARK_START}{MARK_END}]*(?:{MARK_START}[^{MARK_START}{MARK_END}]*{MARK_END}"
    f"[^{MARK_START}{MARK_END}]*)*"
)


def render_snippet(snippet: str | None) -> SafeString:
    """A ts_headline snippet: escaped, its match markers turned into <mark>.

    The markers are control characters, so they are found before the other
    invisible characters become visible markers.
    """
    if not snippet:
        return mark_safe("")
    snippet = snippet.replace("\x04", " … ")
    escaped = html.escape(snippet, quote=False)
    # Usually the only invisible characters are the markers, paired: one pass each.
    plain = escaped.replace(MARK_START, "").replace(MARK_END, "")
    if PROSE.search(plain) is None and _PAIRED_MARKS_RE.fullmatch(escaped):
        marked = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        return mark_safe(marked)  # escaped above
    out, last = [], 0
    for match in _MARK_RE.finditer(snippet):
        out.append(escape_visible(snippet[last : match.start()], PROSE))
        out.append(f"<mark>{escape_visible(match.group(1), PROSE)}</mark>")
        last = match.end()
    out.append(escape_visible(snippet[last:], PROSE))
    return mark_safe("".join(out))  # every piece above is escaped


# Where a message's links to other apps' pages go (archive.processors.message_links):
# filled in per request, after the page comes out of the cache.
_LINKS_RE = re.compile(r"<!--tw:links:(\d+)-->")


def links_marker(message_id: int) -> SafeString:
    return mark_safe(f"<!--tw:links:{int(message_id)}-->")


def fill_links(page: str, known: dict[int, list] | None = None) -> SafeString:
    """``page`` with each links marker replaced by its message's links (one lookup for
    all, none when ``known`` already holds every marked message's links)."""
    ids = [int(i) for i in _LINKS_RE.findall(page)]
    found = dict(known or {})
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(message_links(missing))
    return mark_safe(  # the page was safe; the links are escaped below
        _LINKS_RE.sub(lambda m: _links_html(found.get(int(m.group(1)), [])), page)
    )


def _links_html(links: list) -> str:
    esc = html.escape
    items = [
        f'<a href="{esc(link.url)}"><bdi>{esc(link.label)}</bdi></a>'
        + (f' · <span class="pi-state">{esc(link.state)}</span>' if link.state else "")
        for link in links
    ]
    return f'<p class="pi-review">{"<br>".join(items)}</p>' if items else ""
