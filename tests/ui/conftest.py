"""Fixtures for the web UI: the seed thread ingested, and bulk-made patches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests.conftest import SAMPLE

SEED_MBOX = SAMPLE / "alloc_pages_vma-thread.mbox"
SEED_MSGID = "20190613094326.24093-6-hch@lst.de"
SEED_URL = f"/project/linux-mm/patch/{SEED_MSGID}/"


def ingest_seed() -> None:
    """Ingest the seed thread (restoring the default states a flush may have removed)."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source

    # transactional_db truncates tables between tests, data migrations' rows included.
    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest(iter_source(str(SEED_MBOX)), workers=1)


@pytest.fixture
def seed(db) -> None:
    """The sample thread: one patch of a 22-patch series and twelve replies."""
    ingest_seed()


@pytest.fixture
def make_patches(db) -> Callable[..., list]:
    """``make_patches(n, **fields)``: a project with ``n`` patches made by bulk_create."""
    from django.contrib.auth import get_user_model

    from archive.models import MailingList, Message, Person
    from reviews.models import Patch, Project, Series, State, Trailer
    from tests.listing import file_in_list

    def make(n: int, *, name: str = "Patch", body: str = "Body text", author: str = "Ann Dev"):
        mlist = MailingList.objects.create(list_id="test.example.org", name="test")
        project = Project.objects.create(
            mailing_list=mlist, name="Test project", link_name="test", list_id="test.example.org"
        )
        person = Person.objects.create(name=author, email="ann@example.org")
        reviewer = Person.objects.create(name="Rev Iewer", email="rev@example.org")
        delegate = get_user_model().objects.create(username="maint")
        series = Series.objects.create(project=project, name=f"{name} series", total=n)
        states = list(State.objects.order_by("ordering"))
        start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        messages = Message.objects.bulk_create(
            Message(msgid=f"p{i}/x@example.org", subject=f"[PATCH {i}/{n}] {name} {i}",
                    author=person, date=start + dt.timedelta(minutes=i), body=body)
            for i in range(n)
        )  # fmt: skip
        replies = Message.objects.bulk_create(
            Message(msgid=f"r{i}@example.org", subject=f"Re: {name} {i}", author=reviewer,
                    date=start + dt.timedelta(minutes=i, seconds=30), parent=messages[i],
                    body=f"> quoted\n\n{body}\n\nReviewed-by: Rev Iewer <rev@example.org>\n")
            for i in range(n)
        )  # fmt: skip
        file_in_list(messages + replies, mlist)
        patches = Patch.objects.bulk_create(
            Patch(project=project, message=m, name=f"[{i}/{n}] {name} {i}", submitter=person,
                  date=m.date, state=states[i % len(states)], series=series, number=i,
                  delegate=delegate if i % 2 else None, commit_message=body,
                  diff=DIFF, diffstat=[["mm/x.c", 1, 1]], reviewed=1)
            for i, m in enumerate(messages)
        )  # fmt: skip
        from reviews.models import Comment

        Comment.objects.bulk_create(
            Comment(message=r, patch=p) for r, p in zip(replies, patches, strict=True)
        )
        Trailer.objects.bulk_create(
            Trailer(message=r, position=0, kind="Reviewed-by", name="Rev Iewer",
                    email="rev@example.org", value="Rev Iewer <rev@example.org>")
            for r in replies
        )  # fmt: skip
        return patches

    return make


DIFF = """diff --git a/mm/x.c b/mm/x.c
index 1111111..2222222 100644
--- a/mm/x.c
+++ b/mm/x.c
@@ -1,3 +1,3 @@
 int a;
-int b;
+int c;
 int d;
"""
