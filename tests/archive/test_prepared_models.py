# SPDX-License-Identifier: AGPL-3.0-or-later
"""PreparedQuery: a QuerySet's instances from one prepared statement, the same
as iterating the QuerySet gives, with text and integer slots (issue 18)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from archive.models import MailingList, Message, Person
from archive.prepared import execute_prepared, forget_all
from archive.prepared_models import PreparedQuery


def _by_id(pk: int) -> QuerySet[Message]:
    return (
        Message.objects.select_related("author")
        .annotate(author_email=F("author__email"))
        .prefetch_related("lists")
        .defer("body")
        .filter(pk=pk)[:1]
    )


def _by_msgid_and_author(msgid: str, author: int) -> QuerySet[Message]:
    return Message.objects.filter(msgid=msgid, author_id=author).order_by("pk")


@pytest.fixture
def message(db) -> Message:
    listed = MailingList.objects.create(name="toy", list_id="toy.example.org")
    ada = Person.objects.create(name="Ada", email="ada@example.org")
    found = Message.objects.create(msgid="m1@example.org", subject="s", body="b", author=ada)
    found.lists.add(listed)
    return found


def test_instance_as_the_orm_gives_it(message: Message) -> None:
    # What a new connection holds: nothing prepared.
    forget_all(connection)
    query = PreparedQuery("threadwork_test_message", _by_id)
    with CaptureQueriesContext(connection) as queries:
        (got,) = query.models(Message, pk=message.pk)
    # The statement, prepared on first use, then the prefetch of the lists.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == [
        "PREPARE", "EXECUTE", "SELECT",
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as later:
        assert got.author.email == got.author_email == "ada@example.org"
        assert [m.name for m in got.lists.all()] == ["toy"]
    assert not later.captured_queries
    assert got.get_deferred_fields() == {"body"}
    assert query.models(Message, pk=message.pk + 1) == []


def test_integer_beyond_bigint_matches_nothing(message: Message) -> None:
    query = PreparedQuery("threadwork_test_message", _by_id)
    for key in (2**63, -(2**63) - 1, 10**30):
        with CaptureQueriesContext(connection) as queries:
            assert query.models(Message, pk=key) == []
        assert not queries.captured_queries  # PostgreSQL would refuse it as a parameter
    assert query.models(Message, pk=2**63 - 1) == []


def test_text_and_integer_slots_take_any_value(message: Message) -> None:
    query = PreparedQuery("threadwork_test_pair", _by_msgid_and_author)
    assert query.models(Message, msgid="m1@example.org", author=message.author_id) == [message]
    assert query.models(Message, msgid="m1@example.org", author=message.author_id + 1) == []
    # A visitor's value that looks like a marker is only a value.
    assert query.models(Message, msgid="\ue000msgid\ue000", author=message.author_id) == []


def test_value_that_is_not_a_plain_parameter_is_refused(db) -> None:
    query = PreparedQuery(
        "threadwork_test_bad", lambda msgid: Message.objects.filter(msgid__startswith=msgid)
    )
    with pytest.raises(ValueError, match="not a plain parameter"):
        query.models(Message, msgid="m1")


def test_first_and_get_or_404(message: Message) -> None:
    query = PreparedQuery("threadwork_test_first", _by_msgid_and_author)
    assert query.first(Message, msgid="m1@example.org", author=message.author_id) == message
    assert query.first(Message, msgid="m2@example.org", author=message.author_id) is None
    assert query.get_or_404(Message, msgid="m1@example.org", author=message.author_id) == message
    # get_object_or_404's sentence, which the pages showed before.
    with pytest.raises(Http404, match=r"^No Message matches the given query\.$"):
        query.get_or_404(Message, msgid="m2@example.org", author=message.author_id)


def test_statement_without_parameters(message: Message) -> None:
    """PostgreSQL reads ``EXECUTE name()`` as a syntax error: no parentheses then."""
    forget_all(connection)
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        for _ in range(2):
            execute_prepared(
                cursor, "threadwork_test_count", "SELECT count(*) FROM archive_message", ()
            )
            assert cursor.fetchone() == (1,)
    sent = [q["sql"] for q in queries.captured_queries]
    assert sent == [
        "PREPARE threadwork_test_count AS SELECT count(*) FROM archive_message",
        "EXECUTE threadwork_test_count",
        "EXECUTE threadwork_test_count",
    ]
