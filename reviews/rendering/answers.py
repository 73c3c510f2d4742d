# SPDX-License-Identifier: AGPL-3.0-or-later
"""Answers shown inside a diff, under the line they answer.

Pure: answers in, escaped HTML out. Each answered line gets one extra table
row holding a ``<details>`` (open by default, so it reads without
JavaScript and closes with a click): the count and who answered as its
summary, then each answer with its author, date, text and a link to the
whole message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from archive.invisible import PROSE, escape_visible
from reviews.rendering.mail import render_mail

__all__ = ["InlineAnswer", "LineKey", "answer_rows"]

# (path, old line, new line): a diff line as the renderer numbers it.
LineKey = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class InlineAnswer:
    author: str
    date: datetime | None
    url: str
    text: str


def _names(answers: Sequence[InlineAnswer]) -> str:
    names = list(dict.fromkeys(a.author for a in answers))
    return ", ".join(f"<bdi>{escape_visible(n, PROSE)}</bdi>" for n in names)


def _answer_html(answer: InlineAnswer) -> str:
    when = ""
    if answer.date is not None:
        when = (
            f'<time datetime="{answer.date.isoformat()}">'
            f"{answer.date.strftime('%Y-%m-%d %H:%M')}</time>"
        )
    return (
        '<article class="answer"><header>'
        f'<span class="author"><bdi>{escape_visible(answer.author, PROSE)}</bdi></span> '
        f'<a class="permalink" href="{escape(answer.url)}" title="The whole message">'
        f"{when or 'message'}</a></header>"
        f'<div class="mail">{render_mail(answer.text)}</div></article>'
    )


def _row(number: int, answers: Sequence[InlineAnswer]) -> str:
    noun = "answer" if len(answers) == 1 else "answers"
    return (
        f'<tr class="answers" id="answers-{number}"><td class="ln"></td><td class="ln"></td>'
        f'<td><details class="answers" open><summary><span class="answer-count">'
        f"{len(answers)} {noun}</span> {_names(answers)}</summary>"
        f"{''.join(_answer_html(a) for a in answers)}</details></td></tr>"
    )


def answer_rows(answers: Mapping[LineKey, Sequence[InlineAnswer]]) -> dict[LineKey, str]:
    """The row to show under each answered line, by line."""
    return {key: _row(i, found) for i, (key, found) in enumerate(answers.items(), 1)}
