# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rendered mail and diffs, kept in the Django cache so each is rendered once.

Keys carry the object id, ``RENDER_VERSION`` (bump it when the renderers
change their output) and a checksum of the text, so a rebuilt archive that
reuses ids never shows stale HTML.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from reviews.rendering.diff import LineKey, render_diff
from reviews.rendering.mail import render_mail

__all__ = [
    "RENDER_VERSION",
    "commit_html",
    "diff_html",
    "mail_html",
    "mail_html_many",
    "notes_html",
]

RENDER_VERSION = 5
TIMEOUT = 7 * 24 * 3600


def _key(kind: str, obj_id: int, text: str) -> str:
    return f"tw:{kind}:{RENDER_VERSION}:{obj_id}:{zlib.crc32(text.encode()):08x}"


def _cached(kind: str, items: Iterable[tuple[int, str]], render: Callable[[str], str]) -> dict:
    items = list(items)
    keys = {obj_id: _key(kind, obj_id, text) for obj_id, text in items}
    found = cache.get_many(keys.values())
    missing = {}
    result: dict[int, SafeString] = {}
    for obj_id, text in items:
        html = found.get(keys[obj_id])
        if html is None:
            html = missing[keys[obj_id]] = render(text)
        # Safe: the renderers escape every piece of mail text they emit.
        result[obj_id] = mark_safe(html)
    if missing:
        cache.set_many(missing, TIMEOUT)
    return result


def diff_html(
    patch_id: int,
    diff: str,
    below: Mapping[LineKey, str] | None = None,
    coloured: list[list[str]] | None = None,
) -> SafeString:
    """The patch's diff as HTML (see ``reviews.rendering.diff``), with ``below``'s
    rows (answers) under their lines; ``coloured``: its lines as coloured at ingest.

    With rows, the key's checksum covers them too: the answers change as
    replies arrive, the diff's own entry stays.
    """
    if not below:
        render = lambda text: render_diff(text, coloured=coloured)  # noqa: E731
        return _cached("diff", [(patch_id, diff)], render)[patch_id]
    text = "\0".join([diff, *(f"{key!r}\0{html}" for key, html in below.items())])
    render = lambda _: render_diff(diff, below, coloured)  # noqa: E731
    return _cached("diff-answers", [(patch_id, text)], render)[patch_id]


def commit_html(patch_id: int, text: str) -> SafeString:
    """A patch's commit message as HTML, rendered like mail (trailers marked)."""
    return _cached("commit", [(patch_id, text)], render_mail)[patch_id]


def notes_html(obj_id: int, text: str) -> SafeString:
    """An author's changelog (patch notes, a cover letter's changes) as HTML, like mail."""
    return _cached("notes", [(obj_id, text)], render_mail)[obj_id]


def mail_html(message_id: int, body: str) -> SafeString:
    """A message body as HTML (see ``reviews.rendering.mail``)."""
    return _cached("mail", [(message_id, body)], render_mail)[message_id]


def mail_html_many(messages: Iterable[tuple[int, str]]) -> dict[int, SafeString]:
    """Bodies of many messages in one cache round trip, by message id."""
    return _cached("mail", messages, render_mail)
