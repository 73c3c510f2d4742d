# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patch page's carried review as HTML, built in Python: the markup
``reviews/_carried_answers.html`` rendered as the page included it, byte for byte.

On a patch whose earlier revision had a long review (NCT6694 v12 5/7: 56
answered lines carried from v11) the template's loops were about half of the
page's template time, the slowest of the bench's pages: per answer a dozen
variable lookups, two date filters and autoescapes. Every value from mail is
escaped here as the template escaped it; a test renders both and compares them.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from reviews.pages.carried import CarriedAnswer, CarriedReview
from reviews.rendering.answers import InlineAnswer
from reviews.rendering.markup import escape

__all__ = ["render_carried"]


def render_carried(carried: CarriedReview) -> SafeString:
    """What ``{% include "reviews/_carried_answers.html" with carried=... %}`` wrote."""
    name = escape(carried.name)
    since = ""
    if carried.interdiff_url:
        since = (
            f' <span class="muted small"><a href="{escape(carried.interdiff_url)}">'
            f"changes since {name}</a></span>"
        )
    parts = [
        '<section class="box carried" aria-labelledby="carried-h">\n'
        f'  <h2 id="carried-h" class="box-title">Review of '
        f'<a href="{escape(carried.patch_url)}">{name}</a>{since}</h2>\n'
        '  <ul class="carried-answers">\n  '
    ]
    for answer in carried.answers:
        parts.append(_answer(answer, name))
    parts.append("\n  </ul>\n</section>\n")
    return mark_safe("".join(parts))  # every value escaped above


def _answer(a: CarriedAnswer, name: str) -> str:
    where = f":{a.line_number} in {name}" if a.line_number else ""
    head = (
        f'\n    <li class="carried-answer {escape(a.css)}">\n'
        f'      <span class="tag answer-status {escape(a.css)}">{escape(a.status)}</span>\n'
        f'      <span class="small"><bdi>{escape(a.path)}</bdi>{where}</span>\n'
        f'      <code class="answered-line">{escape(a.line)}</code>\n      '
    )
    return head + "".join(_reply(x) for x in a.answers) + "\n    </li>\n  "


def _reply(x: InlineAnswer) -> str:
    if x.date:
        # the current time zone's time, as the template's date filter showed it
        local = timezone.template_localtime(x.date)
        when = f'<time datetime="{local.isoformat()}">{local.strftime("%Y-%m-%d %H:%M")}</time>'
    else:
        when = "message"
    return (
        '\n      <article class="answer">\n'
        f'        <header><span class="author"><bdi>{escape(x.author)}</bdi></span> '
        f'<a class="permalink" href="{escape(x.url)}">{when}</a></header>\n'
        f'        <div class="mail">{escape(x.text)}</div>\n'
        "      </article>\n      "
    )
