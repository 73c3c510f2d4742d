"""A message page's article built in Python (archive/views/article.py) is the markup of
archive/_message_article.html, byte for byte: on hostile names, Message-IDs needing
quoting, invisible characters, replies, parents seen and unseen, in a list and in all."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from archive import browse
from archive.models import Message
from archive.views import messages
from archive.views.article import message_article
from archive.views.common import message_base
from archive.views.render import links_marker, render_body
from tests.conftest import DATA

FIXTURES = [
    *sorted((DATA / "search").glob("*.eml")),
    DATA / "display" / "shell-metachar-message-id.mbox",
    DATA / "display" / "bidi-trojan-source.mbox",
    DATA / "msgids" / "reserved-characters.mbox",
    DATA / "security" / "hostile-series.mbox",
]


@pytest.fixture
def archive(ingest_file) -> None:
    for path in FIXTURES:
        ingest_file(path)


def test_the_article_is_the_templates(archive) -> None:
    compared = 0
    for message_id in Message.objects.real().values_list("id", flat=True):
        for list_name in ("all", "srch"):
            key = browse.message_page_key(list_name, Message.objects.get(id=message_id).msgid)
            if key is None:  # not in that list
                continue
            message, replies, thread = browse.message_with_outline(
                key.message_id, key.thread_id, key.list_names
            )
            context = {
                "base": message_base(list_name, message.msgid),
                "body": render_body(message.body),
                "lists": browse.message_lists(message),
                "replies": replies,
                "thread_overview": messages._thread_overview(list_name, message, thread),
                "links_marker": links_marker(message.pk),
                "reply_command": messages.reply_command(message),
            }
            template = render_to_string(
                "archive/_message_article.html",
                {"list_name": list_name, "message": message, **context},
            )
            assert message_article(list_name, message, **context) == template
            compared += 1
    # Replies, parents, several lists and both scopes were among them.
    assert compared >= 12
