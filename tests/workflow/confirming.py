"""Posting a bulk or series-wide change the way a person does: the form, then its confirmation."""

from __future__ import annotations

import html
import re

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_QUESTION = re.compile(r'<h1 id="confirm-h">([^<]*)</h1>')


def confirmation(response) -> tuple[str, list[tuple[str, str]]]:
    """The question a confirmation page asks, and the fields its form posts back."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    form = page[page.index('class="confirm-form"') :]
    fields = [(html.unescape(k), html.unescape(v)) for k, v in _HIDDEN.findall(form)]
    return html.unescape(_QUESTION.search(page).group(1)), fields


def confirm(client, url: str, data: dict, *, expect: str | None = None):
    """Post ``data``, check the confirmation asks ``expect``, confirm; the final response."""
    question, fields = confirmation(client.post(url, data))
    if expect is not None:
        assert question == expect
    posted: dict[str, list[str]] = {}
    for key, value in fields:
        posted.setdefault(key, []).append(value)
    return client.post(url, posted)
