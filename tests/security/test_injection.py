# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stored XSS and header injection: every route, fed the hostile archive, stays inert.

The hostile mail (tests/data/security/) puts a payload in every string that
comes from mail; the fixture adds payloads in usernames, bundle names,
checks and commit refs. Then every page, feed, JSON resource and download is
fetched, anonymously and as the hostile maintainer or a superuser, and
judged by tests/security/safety.py. ``test_every_route_is_fetched`` fails
when a route is added to the URLconf without a fetch here.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import pytest

from tests.security.conftest import Hostile
from tests.security.safety import (
    assert_headers,
    assert_safe_download_name,
    assert_safe_html,
    assert_safe_json,
    assert_safe_xml,
    html_text,
)

pytestmark = pytest.mark.django_db

# Kinds of response and how each is judged (see _judge).
HTML, XML, JSON, API_HTML, TEXT, DOWNLOAD, GZIP, REDIRECT, ANY = (
    "html", "xml", "json", "api-html", "text", "download", "gzip", "redirect", "any",
)  # fmt: skip
# A page that refuses what it was asked (400) and says why, showing the input as text.
REFUSED_HTML = "refused-html"
SEARCH = "<script>alert(90)</script>\"'><img src=x onerror=alert(91)>"


@dataclass(frozen=True)
class Fetch:
    url: str
    kind: str
    as_user: str = "anonymous"  # anonymous | maintainer | admin
    method: str = "get"
    data: dict = field(default_factory=dict)
    # Text a reader must see on the page: proof the payload was rendered, as text.
    shows: str = ""


def _change_fetches(h: Hostile) -> Iterator[Fetch]:
    """A series-wide change (#17), named after the hostile series: its page, its undo,
    the events page across projects with every filter, and the bulk confirmation."""
    from reviews import services
    from reviews.models import State

    ln = h.project.link_name
    change = services.set_series_state(h.maintainer, h.series[0], State.objects.get(slug="rfc"))
    assert change is not None
    for who in ("anonymous", "maintainer"):
        yield Fetch(f"/project/{ln}/changes/{change.pk}/", HTML, who)
    yield Fetch(f"/project/{ln}/changes/{change.pk}/undo/", ANY, "maintainer")  # POST only
    filters = {"project": ln, "category": SEARCH, "person": SEARCH, "since": SEARCH,
               "until": "<script>", "change": change.pk, "page": "\"><x>"}  # fmt: skip
    for who in ("anonymous", "maintainer"):
        yield Fetch("/events/", HTML, who, shows=h.diff_patch.name)
        yield Fetch(f"/events/?{urlencode(filters)}", HTML, who)
    data = {"scope": "matching", "filter": urlencode({"q": SEARCH, "state": "*"}),
            "state": "rejected", "next": SEARCH}  # fmt: skip
    yield Fetch(f"/project/{ln}/list/bulk/", ANY, "maintainer", "post", data)


def _patch_fetches(h: Hostile) -> Iterator[Fetch]:
    from reviews import links

    ln = h.project.link_name
    for patch in h.patches:
        msgid = patch.message.msgid
        for who in ("anonymous", "maintainer"):
            yield Fetch(links.patch_url(ln, msgid), HTML, who, shows=patch.name)
        yield Fetch(links.patch_mbox_url(ln, msgid), DOWNLOAD)
        yield Fetch(links.patch_mbox_url(ln, msgid) + "?series=*", DOWNLOAD)
        yield Fetch(links.patch_raw_url(ln, msgid), DOWNLOAD)
        yield Fetch(f"/patch/{patch.id}/", REDIRECT)
        yield Fetch(f"/patch/{patch.id}/update/", ANY, "maintainer")  # POST only: 405
    for cover in h.covers:
        yield Fetch(links.cover_url(ln, cover.message.msgid), HTML, shows=cover.name)
        yield Fetch(links.cover_url(ln, cover.message.msgid) + "mbox/", DOWNLOAD)
    for series in h.series:
        for who in ("anonymous", "maintainer"):
            yield Fetch(links.series_url(ln, series.id), HTML, who, shows=series.name)
        yield Fetch(links.series_mbox_url(series.id), DOWNLOAD)
        yield Fetch(links.series_mbox_url(series.id) + "?cover=1", DOWNLOAD)
        yield Fetch(f"/series/{series.id}/state/", ANY, "maintainer")
    for person in h.people:
        yield Fetch(f"/person/{person.id}/", HTML, shows=person.name)
    # Revisions (#16): every hostile patch diffed against the next, and the series compared.
    for patch, other in zip(h.patches, h.patches[1:], strict=False):
        yield Fetch(links.interdiff_url(ln, patch.message.msgid, other.message.msgid), HTML)
    first, last = h.series[0], h.series[-1]
    yield Fetch(links.compare_url(ln, last.id, first.id), HTML if first != last else ANY)


def _review_fetches(h: Hostile) -> Iterator[Fetch]:
    from reviews.pages.bundles import bundle_url

    ln = h.project.link_name
    yield Fetch("/", HTML, shows=h.project.name)
    for who in ("anonymous", "maintainer", "admin"):
        yield Fetch(f"/project/{ln}/list/", HTML, who, shows=h.diff_patch.name)
    submitter = h.diff_patch.submitter_id
    filters = {"state": "*", "archived": "both", "q": SEARCH, "submitter": submitter,
               "delegate": h.maintainer.id, "series": h.series[0].id, "order": "-name",
               "since": "<script>", "page": "\"><x>"}  # fmt: skip
    yield Fetch(f"/project/{ln}/list/?{urlencode(filters)}", HTML, "maintainer")
    yield Fetch(f"/project/{ln}/list/?state=*&archived=both", HTML, shows=h.diff_patch.name)
    yield Fetch(f"/project/{ln}/list/bulk/", ANY, "maintainer")
    for who in ("anonymous", "maintainer"):
        yield Fetch(f"/project/{ln}/events/", HTML, who, shows=h.diff_patch.name)
    yield Fetch(f"/project/{ln}/events.atom", XML)
    yield from _change_fetches(h)
    # Issue 17: the maintainer's queue (every tab) and the project's review health.
    for tab in ("", "others", "submitted", SEARCH):
        yield Fetch(f"/user/queue/?{urlencode({'tab': tab, 'page': '<x>'})}", HTML, "maintainer")
    yield Fetch("/user/queue/", ANY)  # anonymous: sent to log in
    yield Fetch(f"/project/{ln}/health/", HTML, shows=h.project.name)
    yield Fetch(f"/project/{ln}/health.json", JSON)
    # Issue 20: the opt-out link of a notification mail, for a hostile address, and forged.
    from reviews.notifications import opt_out_token

    token = opt_out_token(h.people[0].email)
    yield Fetch(f"/notifications/opt-out/{token}/", HTML, shows=h.people[0].email)
    yield Fetch(f"/notifications/opt-out/{token}/", HTML, method="post")
    forged = quote(SEARCH.replace("/", ""), safe="")
    yield Fetch(f"/notifications/opt-out/{forged}/", REFUSED_HTML)
    yield Fetch("/user/", HTML, "maintainer", shows=h.bundle.name)
    yield Fetch("/user/token/", ANY, "maintainer")
    owner = h.maintainer.username
    url = bundle_url(owner, h.bundle.name)
    for who in ("anonymous", "maintainer"):
        yield Fetch(url, HTML, who, shows=h.bundle.name)
    yield Fetch(url + "mbox/", DOWNLOAD)
    for action in ("remove", "update", "delete"):
        yield Fetch(f"{url}{action}/", ANY, "maintainer")
    yield Fetch("/bundles/add/", ANY, "maintainer")


def _archive_fetches(h: Hostile) -> Iterator[Fetch]:
    from archive.msgids import msgid_path

    name = h.mailing_list.name
    yield Fetch(f"/{name}/", HTML)
    # The payload's lone quote makes a query the search cannot run: refused, echoed inert.
    yield Fetch(f"/{name}/?{urlencode({'q': SEARCH})}", REFUSED_HTML, shows=SEARCH)
    yield Fetch(f"/{name}/?{urlencode({'q': 'b:' + SEARCH.replace(chr(34), '')})}", ANY)
    yield Fetch(f"/{name}/_/text/help/", HTML)
    yield Fetch(f"/{name}/?q=alert", HTML)
    yield Fetch(f"/{name}/?{urlencode({'q': 's:script', 'x': 'm'})}", GZIP, method="post")
    yield Fetch(f"/search/?{urlencode({'q': SEARCH})}", REDIRECT)
    yield Fetch("/favicon.ico", REDIRECT)
    yield Fetch(f"/{name}/new.atom", XML)
    yield Fetch("/all/new.atom", XML)
    for message in h.messages:
        base = f"/{name}/{msgid_path(message.msgid)}"
        yield Fetch(f"{base}/", HTML, shows=message.subject)
        yield Fetch(f"/all/{msgid_path(message.msgid)}/", HTML, shows=message.subject)
        yield Fetch(base, REDIRECT)
        yield Fetch(f"{base}/raw", DOWNLOAD)
        yield Fetch(f"{base}/t.mbox.gz", DOWNLOAD)
        yield Fetch(f"{base}/t.mbox", DOWNLOAD)
        yield Fetch(f"{base}/T/", HTML, shows=message.subject)
        yield Fetch(f"{base}/t/", HTML, shows=message.subject)
        yield Fetch(f"{base}/t.atom", XML)


def _api_fetches(h: Hostile) -> Iterator[Fetch]:
    from django.contrib.auth import get_user_model

    patch = h.diff_patch
    paths = [
        "", "projects/", f"projects/{h.project.id}/", f"projects/{h.project.link_name}/",
        "people/", f"people/{h.people[0].id}/", "users/", f"users/{h.maintainer.id}/",
        f"patches/?{urlencode({'q': SEARCH, 'project': h.project.link_name})}",
        f"patches/?{urlencode({'msgid': patch.message.msgid})}",
        "patches/", f"patches/{patch.id}/", f"patches/{patch.id}/comments/",
        f"patches/{patch.id}/checks/", f"patches/{patch.id}/checks/{h.check.id}/",
        "covers/", f"covers/{h.covers[0].id}/", f"covers/{h.covers[0].id}/comments/",
        "series/", f"series/{h.series[0].id}/", "events/", "bundles/", f"bundles/{h.bundle.id}/",
    ]  # fmt: skip
    for comment in h.comments:
        kind, owner = (
            ("patches", comment.patch_id) if comment.patch_id else ("covers", comment.cover_id)
        )
        paths.append(f"{kind}/{owner}/comments/{comment.id}/")
    assert get_user_model().objects.exists()
    for prefix in ("/api/", "/api/1.2/"):
        for path in paths:
            yield Fetch(prefix + path, JSON)
    yield Fetch("/api/schema/", ANY)
    # DRF's browsable API is HTML built from the same data.
    for path in (f"patches/{patch.id}/", f"bundles/{h.bundle.id}/", "events/", "people/"):
        yield Fetch(f"/api/{path}", API_HTML, "maintainer")


def _account_fetches(h: Hostile) -> Iterator[Fetch]:
    yield Fetch("/accounts/login/?next=javascript:alert(92)", HTML)
    yield Fetch(f"/accounts/login/?{urlencode({'next': SEARCH})}", HTML)
    yield Fetch("/accounts/logout/", ANY, "maintainer")  # POST only
    for path in ("password_change/", "password_change/done/"):
        yield Fetch(f"/accounts/{path}", HTML, "maintainer")
    for path in ("password_reset/", "password_reset/done/", "reset/MQ/set-password/",
                 "reset/done/"):  # fmt: skip
        yield Fetch(f"/accounts/{path}", HTML)


def _admin_fetches(h: Hostile) -> Iterator[Fetch]:
    """The index, and every registered model's changelist (searched) and first object."""
    from django.contrib import admin
    from django.urls import reverse

    yield Fetch("/admin/", HTML, "admin")
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        yield Fetch(changelist, HTML, "admin")
        if model_admin.search_fields:
            yield Fetch(f"{changelist}?{urlencode({'q': SEARCH})}", HTML, "admin")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield Fetch(reverse("admin:{}_{}_change".format(*info), args=[first.pk]), HTML, "admin")


def all_fetches(h: Hostile) -> list[Fetch]:
    groups = (_patch_fetches, _review_fetches, _archive_fetches, _api_fetches, _account_fetches,
              _admin_fetches)  # fmt: skip
    return [f for group in groups for f in group(h)]


def _clients(h: Hostile) -> dict:
    from django.test import Client

    clients = {"anonymous": Client(), "maintainer": Client(), "admin": Client()}
    clients["maintainer"].force_login(h.maintainer)
    clients["admin"].force_login(h.admin)
    return clients


def _judge(fetch: Fetch, response) -> None:
    where = f"{fetch.method.upper()} {fetch.url} as {fetch.as_user} -> {response.status_code}"
    assert response.status_code < 500, where
    assert_headers(response, where)
    ctype = response.get("Content-Type", "")
    if fetch.kind in (HTML, API_HTML, REFUSED_HTML):
        assert response.status_code == (400 if fetch.kind == REFUSED_HTML else 200), where
        assert ctype.startswith("text/html"), f"{where}: {ctype}"
        html = response.content.decode()
        assert_safe_html(html, where, allow_style=fetch.kind == API_HTML)
        if fetch.shows:
            assert fetch.shows in html_text(html), f"{where}: {fetch.shows!r} not shown as text"
    elif fetch.kind == XML:
        assert response.status_code == 200, where
        assert "xml" in ctype, f"{where}: {ctype}"
        assert_safe_xml(response.content, where)
    elif fetch.kind == JSON:
        assert response.status_code == 200, where
        assert_safe_json(response, where)
    elif fetch.kind == DOWNLOAD:
        assert response.status_code == 200, where
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if ctype.startswith("application/gzip"):
            content = gzip.decompress(content)
        else:
            assert ctype.startswith(("text/plain", "application/mbox")), f"{where}: {ctype}"
        assert content, where
        assert_safe_download_name(response, where)
    elif fetch.kind == GZIP:
        assert response.status_code in (200, 404), where
    elif fetch.kind == REDIRECT:
        assert response.status_code in (301, 302), where
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), f"{where}: {location}"
        assert "\n" not in location and "\r" not in location, where


def test_every_response_is_inert(hostile: Hostile) -> None:
    """Every fetch: no live payload, right content type, security headers."""
    clients = _clients(hostile)
    failures = []
    for fetch in all_fetches(hostile):
        client = clients[fetch.as_user]
        extra = {"HTTP_ACCEPT": "text/html"} if fetch.kind == API_HTML else {}
        response = getattr(client, fetch.method)(fetch.url, fetch.data, **extra)
        try:
            _judge(fetch, response)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, f"{len(failures)} unsafe responses:\n" + "\n".join(failures)


def test_pull_request_url_is_never_a_link(hostile: Hostile, client) -> None:
    from reviews import links

    pull = next(p for p in hostile.patches if p.pull_url)
    assert pull.pull_url.startswith("javascript:")
    html = client.get(links.patch_url(hostile.project.link_name, pull.message.msgid)).content
    assert pull.pull_url in html_text(html.decode())
    assert b'href="javascript' not in html.lower()


def test_check_target_url_must_be_http(hostile: Hostile) -> None:
    """A CI bot cannot store a javascript: link (Patchwork's target_url is a URLField)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from reviews.models import Check

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=hostile.admin).key}")
    before = Check.objects.count()
    url = f"/api/patches/{hostile.diff_patch.id}/checks/"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>"):
        response = api.post(url, {"state": "fail", "target_url": bad}, format="json")
        assert response.status_code == 400, (bad, response.content)
    assert Check.objects.count() == before
    ok = api.post(url, {"state": "success", "target_url": "https://ci.example.org/1"})
    assert ok.status_code == 201, ok.content


def _route_keys() -> set[str]:
    """Every route of the URLconf, spelled as ``ResolverMatch.route`` spells it."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix: str) -> Iterator[str]:
        for p in patterns:
            route = str(p.pattern)
            joined = prefix + route.removeprefix("^") if prefix else route
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, joined)
            elif isinstance(p, URLPattern):
                yield joined

    return set(walk(get_resolver().url_patterns, ""))


def test_every_route_is_fetched(hostile: Hostile) -> None:
    """A new route fails here until it is added to one of the fetch lists above."""
    from django.urls import resolve

    fetched = {resolve(urlsplit(f.url).path).route for f in all_fetches(hostile)}
    # The admin's routes are covered per registered model by _admin_fetches;
    # its add/delete/history forms show no mail text.
    missing = {r for r in _route_keys() - fetched if not r.startswith("admin/")}
    assert not missing, "routes without a fetch in tests/security/test_injection.py:\n" + (
        "\n".join(sorted(missing))
    )
