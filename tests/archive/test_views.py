"""The public-inbox pages over HTTP, on the fixture in data/search/."""

from __future__ import annotations

import gzip
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.mbox import FROM_LINE, mboxrd, mboxrd_message
from archive.models import Message
from tests.conftest import DATA

SEARCH = DATA / "search"
PATCH = "20240110-alarm-1@example.org"
REPLY = "reply-1@example.org"
HOSTILE = "odd/slash\"&'x@example.net"
Q_HOSTILE = quote(HOSTILE, safe="")  # as b4 sends it: "/" is %2F, "@" is %40


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def archive(ingest_file) -> None:
    for path in sorted(SEARCH.glob("*.eml")):
        ingest_file(path)


def split_mbox(data: bytes) -> list[bytes]:
    return [part for part in data.split(FROM_LINE) if part]


# --- mboxrd (no database) -----------------------------------------------------


def test_mboxrd_quotes_from_lines_in_the_body_only() -> None:
    raw = b"From: a@b\nSubject: x\n\nFrom me\n>From you\n>>From them\nFromage\n"
    out = mboxrd_message(raw)
    assert out.startswith(FROM_LINE + b"From: a@b\n")
    assert b"\n>From me\n>>From you\n>>>From them\nFromage\n\n" in out
    assert out.endswith(b"\n\n")


def test_mboxrd_adds_a_final_newline_and_joins() -> None:
    assert mboxrd([b"A: 1\n\nx", b"A: 2\n\ny\n"]) == (
        FROM_LINE + b"A: 1\n\nx\n\n" + FROM_LINE + b"A: 2\n\ny\n\n"
    )


# --- pages ----------------------------------------------------------------------


def test_message_page(client, archive) -> None:
    response = client.get(f"/srch/{quote(PATCH)}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = response.content.decode()
    assert "fix the alarm interrupt race" in text
    assert f'href="/srch/{PATCH}/raw"' in text
    assert f'href="/srch/{PATCH}/t.mbox.gz"' in text
    assert f"/srch/{REPLY}/" in text  # the reply is linked
    assert '<span class="add">+\tspin_lock_irq(&amp;rtc_lock);</span>' in text


def test_message_page_de_emphasises_quotes(client, archive) -> None:
    text = client.get(f"/srch/{REPLY}/").content.decode()
    assert '<span class="q q1">&gt; Take the lock' in text
    assert f"/srch/{PATCH}/" in text  # parent link


def test_everything_from_mail_is_escaped(client, archive) -> None:
    for url in (f"/srch/{Q_HOSTILE}/", f"/all/{Q_HOSTILE}/T/", f"/all/{Q_HOSTILE}/t/", "/srch/"):
        text = client.get(url).content.decode()
        assert "<script>" not in text, url
        assert "<b>Eve" not in text, url
    text = client.get(f"/srch/{Q_HOSTILE}/").content.decode()
    assert "&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;Eve&lt;/b&gt;" in text
    assert "odd/slash&quot;&amp;&#x27;x@example.net" in text


def test_search_results_are_escaped(client, archive) -> None:
    text = client.get("/srch/", {"q": "widgets"}).content.decode()
    assert "<script>" not in text
    assert "<mark>widgets</mark>" in text


def test_msgid_with_slash_and_quoting(client, archive) -> None:
    assert client.get(f"/srch/{Q_HOSTILE}/").status_code == 200
    assert client.get(f"/all/{Q_HOSTILE}/raw").status_code == 200
    assert client.get("/all/" + quote(PATCH, safe="") + "/").status_code == 200


def test_redirects(client, archive) -> None:
    response = client.get(f"/srch/{PATCH}")
    assert response.status_code == 301
    assert response["Location"] == f"/srch/{PATCH}/"
    response = client.get(f"/{PATCH}/")
    assert (response.status_code, response["Location"]) == (302, f"/all/{PATCH}/")
    response = client.get(f"/{PATCH}/raw")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    response = client.get(f"/{Q_HOSTILE}/t.mbox.gz")
    assert response.status_code == 302
    assert client.get(response["Location"])["Content-Type"] == "application/gzip"
    assert client.get("/search/", {"q": "alarm"})["Location"] == "/all/?q=alarm"


def test_not_found(client, archive) -> None:
    assert client.get("/srch/nope@example.org/").status_code == 404
    assert client.get("/srch/nope@example.org/t.mbox.gz").status_code == 404
    assert client.get("/all/nope@example.org/raw").status_code == 404
    assert client.get("/nolist/").status_code == 404
    assert client.get("/nope@example.org/").status_code == 404


def test_raw(client, archive) -> None:
    response = client.get(f"/srch/{PATCH}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{PATCH}.txt"'
    assert response.content == (SEARCH / "patch-rtc-cmos.eml").read_bytes()
    hostile = client.get(f"/srch/{Q_HOSTILE}/raw")
    assert '"' not in hostile["Content-Disposition"].split("filename=")[1].strip('"')


def test_thread_mbox_gz(client, archive) -> None:
    response = client.get(f"/all/{REPLY}/t.mbox.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert not response.has_header("Content-Encoding")
    messages = split_mbox(gzip.decompress(response.content))
    assert len(messages) == 2
    assert b"Message-ID: <20240110-alarm-1@example.org>" in messages[0]


def test_thread_mbox_plain_is_mboxrd(client, archive) -> None:
    response = client.get(f"/srch/{Q_HOSTILE}/t.mbox")
    assert response.status_code == 200
    assert response.content.startswith(FROM_LINE)
    assert b"\n>From the start of a line" in response.content
    assert b"\n>>From an already quoted line" in response.content


def test_thread_pages(client, archive) -> None:
    flat = client.get(f"/srch/{PATCH}/T/")
    assert flat.status_code == 200
    text = flat.content.decode()
    assert text.index("Take the lock before") < text.index("kumquat")
    nested = client.get(f"/srch/{REPLY}/t/")
    assert nested.status_code == 200
    assert "depth-1" in nested.content.decode()


def test_atom_feeds(client, archive) -> None:
    response = client.get(f"/srch/{PATCH}/t.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert b"<entry>" in response.content
    feed = client.get("/srch/new.atom")
    assert feed.status_code == 200
    assert b"&lt;script&gt;" in feed.content and b"<script>" not in feed.content


def test_list_index_and_all(client, archive, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        response = client.get("/srch/")
    assert response.status_code == 200
    assert "fix the alarm interrupt race" in response.content.decode()
    assert client.get("/all/").status_code == 200
    assert client.get("/srch/", {"page": "99"}).status_code == 200


def test_search_page(client, archive) -> None:
    response = client.get("/srch/", {"q": 'f:jane@example.org AND s:"alarm"'})
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 result" in text and PATCH in text
    assert client.get("/all/", {"q": "(unbalanced"}).status_code == 400


def test_fixed_query_counts(client, archive) -> None:
    for url in (f"/srch/{PATCH}/", f"/all/{REPLY}/T/", f"/all/{REPLY}/t.mbox.gz", "/srch/?q=alarm"):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        sent = [q["sql"] for q in context.captured_queries]
        assert len(sent) <= 6, (url, sent)


def _post_search(client, url: str, body: str = "x=m"):
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


def test_post_search_mbox(client, archive) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    response = _post_search(
        client, "/all/?x=m&q=" + quote("patchid:defbc13d50557c0fa6cc392e7c14f5d64a9f3ef3")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert not response.has_header("Content-Encoding")
    messages = split_mbox(gzip.decompress(b"".join(response.streaming_content)))
    assert len(messages) == 2  # "x=m" in the body asks for whole threads


def test_post_search_without_thread_expansion(client, archive) -> None:
    for body in ("x=0", ""):
        response = _post_search(client, "/srch/?x=m&q=kumquat", body=body)
        messages = split_mbox(gzip.decompress(b"".join(response.streaming_content)))
        assert len(messages) == 1, body
    response = _post_search(client, "/srch/?x=m&t=1&q=kumquat", body="")
    assert len(split_mbox(gzip.decompress(b"".join(response.streaming_content)))) == 2


def test_post_search_404_when_nothing_matches(client, archive) -> None:
    assert _post_search(client, "/all/?x=m&t=1&q=nothingmatchesthis").status_code == 404
    assert _post_search(client, "/all/?x=m&q=(bad").status_code == 400


def test_head_requests(client, archive) -> None:
    assert client.head(f"/all/{PATCH}/raw").status_code == 200
    assert client.head("/all/nope@x/raw").status_code == 404


def test_ghosts_are_not_pages(client, ingest_file) -> None:
    ingest_file(SEARCH / "reply-reviewed.eml")  # its parent becomes a ghost
    assert Message.objects.get(msgid=PATCH).is_ghost
    assert client.get(f"/all/{PATCH}/").status_code == 404
