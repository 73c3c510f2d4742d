"""Archive and review pages link both ways (issue 19), and archive page details.

The toy series in sample/ (a cover and two patches, then v2) and the search fixture.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import pytest
from django.test import Client

from archive.views.render import render_body, render_thread_overview
from tests.conftest import SAMPLE

TOY = SAMPLE / "toy-rtc-series.mbox"
COVER = "20261102090000.1-ada@example.org"
PATCH1 = "20261102090000.2-ada@example.org"
REPLY1 = "20261102143000.r1-bob@example.org"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def toy(ingest_file) -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest_file(TOY)


def test_patch_message_links_its_patch_page_and_state(toy, client) -> None:
    from django.contrib.auth import get_user_model

    from reviews.models import Patch, State
    from reviews.services.patches import set_patch_state

    patch = Patch.objects.get(message__msgid=PATCH1)
    html = client.get(f"/toy-rtc/{PATCH1}/").content.decode()
    link = re.search(r'<p class="pi-review">(.*?)</p>', html, re.S)
    assert link is not None
    assert f'href="/project/toy-rtc/patch/{PATCH1}/"' in link.group(1)
    assert f"<bdi>{patch.name}</bdi>" in link.group(1)
    assert f'· <span class="pi-state">{patch.state.name}</span>' in link.group(1)
    # The state is read per request: the cached article does not freeze it.
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    accepted = State.objects.get(slug="accepted")
    set_patch_state(admin, patch, accepted)
    html = client.get(f"/toy-rtc/{PATCH1}/").content.decode()
    assert '<span class="pi-state">Accepted</span>' in html
    # The thread page links each patch in it, and leaves plain replies alone.
    thread = client.get(f"/toy-rtc/{PATCH1}/T/").content.decode()
    assert f'href="/project/toy-rtc/patch/{PATCH1}/"' in thread
    reply = thread.split(f'id="m{_pk(REPLY1)}"', 1)[1].split("</article>", 1)[0]
    assert "pi-review" not in reply


def _pk(msgid: str) -> int:
    from archive.models import Message

    return Message.objects.get(msgid=msgid).pk


def test_cover_letter_links_its_series(toy, client) -> None:
    from reviews.models import Cover

    cover = Cover.objects.get(message__msgid=COVER)
    html = client.get(f"/toy-rtc/{COVER}/").content.decode()
    assert f'href="/project/toy-rtc/series/{cover.series_id}/"' in html
    assert re.search(r'<span class="pi-state">[^<]+</span>', html)


def test_list_home_and_patch_list_link_the_other_side(toy, client) -> None:
    listing = client.get("/toy-rtc/").content.decode()
    assert 'href="/project/toy-rtc/list/"' in listing
    assert 'href="/"' in client.get("/all/").content.decode()
    home = client.get("/").content.decode()
    assert 'href="/toy-rtc/"' in home and 'href="/all/"' in home
    assert 'href="/toy-rtc/"' in client.get("/project/toy-rtc/list/").content.decode()


# --- the thread overview ---------------------------------------------------------


def _message(pk: int, subject: str, parent: int | None, name: str = "Ann") -> SimpleNamespace:
    author = SimpleNamespace(display_name=name)
    return SimpleNamespace(
        pk=pk, parent_id=parent, subject=subject, is_ghost=False, msgid=f"{pk}@x",
        author=author, date=datetime(2024, 1, pk, tzinfo=UTC),
    )  # fmt: skip


def test_thread_overview_collapses_a_subject_that_repeats_its_parents() -> None:
    entries = [
        SimpleNamespace(message=_message(1, "[PATCH] rtc: fix", None), depth=0),
        SimpleNamespace(message=_message(2, "Re: [PATCH] rtc: fix", 1, "Bob"), depth=1),
        SimpleNamespace(message=_message(3, "RE: Re:  [patch] rtc: fix", 2, "Cy"), depth=2),
        SimpleNamespace(message=_message(4, "Re: [PATCH] rtc: fix (was: other)", 2), depth=2),
    ]
    html = render_thread_overview("l", 1, entries)
    lines = re.findall(r"<li[^>]*>(.*?)</li>", html)
    assert "<b><bdi>[PATCH] rtc: fix</bdi></b>" in lines[0]
    assert lines[1].startswith('<a href="/l/2@x/" title="Re: [PATCH] rtc: fix"><bdi>Bob</bdi></a>')
    assert "rtc: fix</bdi>" not in lines[1] and "rtc: fix</bdi>" not in lines[2]
    assert "<bdi>Re: [PATCH] rtc: fix (was: other)</bdi>" in lines[3]  # a new subject shows


def test_thread_overview_on_a_real_thread(toy, client) -> None:
    html = client.get(f"/toy-rtc/{PATCH1}/").content.decode()
    overview = html.split("pi-thread-overview", 1)[1]
    # Bob's reply repeats "[PATCH 1/2] …": only his name is shown for it.
    assert f'href="/toy-rtc/{REPLY1}/" title="Re: [PATCH 1/2]' in overview
    assert "<bdi>Re: [PATCH 1/2] rtc: toy: validate" not in overview


# --- a signature after a diff ------------------------------------------------------


def test_signature_after_a_diff_is_not_a_removed_line() -> None:
    body = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n-- \n2.43.0\n"
    html = str(render_body(body))
    assert '<span class="del">-old</span>' in html
    assert '<span class="del">-- </span>' not in html
    assert "\n-- \n2.43.0" in html  # plain prose after the diff


def test_signature_in_the_thread_view(toy, client) -> None:
    thread = client.get(f"/toy-rtc/{PATCH1}/T/").content.decode()
    assert '<span class="del">-- </span>' not in thread
    assert '<span class="add">' in thread  # the diffs are still marked up


# --- the sample archive's dates ------------------------------------------------------


def test_sample_mail_cannot_outrank_real_mail() -> None:
    """The made-up series is dated before any list Threadwork would archive existed."""
    dates = [
        parsedate_to_datetime(line.split(":", 1)[1])
        for line in TOY.read_text().splitlines()
        if line.startswith("Date:")
    ]
    assert len(dates) == 10
    assert max(dates) < datetime(1990, 1, 1, tzinfo=UTC)
