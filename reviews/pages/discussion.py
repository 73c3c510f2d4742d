# SPDX-License-Identifier: AGPL-3.0-or-later
"""The replies to a patch or a cover letter as HTML, built in Python (the patch and
series pages): the markup the pages' ``reviews/_discussion.html`` wrote, byte for byte.

On a long thread (two dozen replies) the template loop cost about as much as
the page's statements: a dozen variable lookups, filters and autoescapes per
reply, plus the include. The replies' bodies come already rendered and escaped
(``reviews.rendering.mail``); every other value from mail is escaped here as
the template escaped it. A test renders both and compares them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from reviews import links
from reviews.pages.common import CommentView
from reviews.rendering.markup import escape

__all__ = ["render_discussion"]


def render_discussion(comments: Sequence[CommentView]) -> SafeString:
    """What ``{% include "reviews/_discussion.html" with comments=... %}`` wrote
    (the template's text is kept in ``tests/ui/test_discussion_html.py``)."""
    parts = [
        '\n<section class="discussion" id="discussion" aria-labelledby="discussion-h">\n'
        f'  <h2 id="discussion-h">Discussion <span class="count">{len(comments)}</span></h2>\n  '
    ]
    for number, comment in enumerate(comments, 1):
        parts.extend(_comment(number, comment))
    if not comments:
        parts.append('\n  <p class="muted">No replies yet.</p>\n  ')
    parts.append("\n</section>\n")
    # One join: the mails are most of the page's bytes, each copy of them counts.
    return mark_safe("".join(parts))  # escaped below; the mail HTML comes escaped


def _comment(number: int, c: CommentView) -> tuple[str, str, str]:
    """A reply's markup before its mail HTML, the HTML, and what follows it."""
    author = c.message.author
    if author is not None:
        who = (
            f'<a href="{escape(links.person_url(author.identity_id))}">'
            f"<bdi>{escape(author.display_name)}</bdi></a>"
        )
    else:
        who = "(unknown)"
    iso = when = ""
    if c.message.date is not None:
        # the current time zone's time, as the template's date filter showed it
        local = timezone.localtime(c.message.date)
        iso, when = local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
    head = (
        f'\n  <article class="comment" id="c{number}">\n    <header>\n'
        f'      <span class="author">{who}</span>\n'
        f'      <a class="permalink" href="{escape(c.url)}" title="This message in the archive">'
        f'<time datetime="{iso}">{when}</time></a>\n    </header>\n    <div class="mail">'
    )
    return head, c.html, "</div>\n  </article>\n  "
