"""``manage.py reparse`` rebuilds in place: people's work and every id survive it.

The archive here is full of what maintainers and CI do through the API
(states, delegates, archived flags, commit references, checks, bundles, a
renamed series); the whole API is read before and after the rebuild and
must be the same, ids included, except what the parser derives.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from reviews.models import Bundle, Check, Event, Patch, Series
from tests.api.conftest import V1_PATCH1, V2_PATCH2, patch_id
from tests.conftest import DATA, SAMPLE

pytestmark = pytest.mark.django_db

MORE = [
    SAMPLE / "alloc_pages_vma-thread.mbox",
    DATA / "series" / "cover-letter-acked.mbox",
    DATA / "series" / "revision-new-thread.v1.mbox",
    DATA / "series" / "revision-new-thread.v2.mbox",
]
API = "/api/1.3"


def reparse() -> str:
    out = io.StringIO()
    call_command("reparse", stdout=out)
    return out.getvalue()


def _get(api, url: str) -> Any:
    response = api.get(url, {"per_page": 250} if "?" not in url else None)
    assert response.status_code == 200, (url, response.content[:300])
    return response.json()


def api_state(api) -> dict[str, Any]:
    """Everything the API shows, by URL."""
    seen: dict[str, Any] = {}
    for listing in ("patches", "covers", "series", "events", "bundles", "projects"):
        seen[listing] = _get(api, f"{API}/{listing}/")
    for patch in seen["patches"]:
        for part in ("", "comments/", "checks/"):
            url = f"{API}/patches/{patch['id']}/{part}"
            seen[url] = _get(api, url)
    for cover in seen["covers"]:
        seen[f"cover {cover['id']}"] = _get(api, f"{API}/covers/{cover['id']}/comments/")
    for series in seen["series"]:
        seen[f"series {series['id']}"] = _get(api, f"{API}/series/{series['id']}/")
    return seen


@pytest.fixture
def busy_archive(accounts, api, ingest_file):
    """The toy project after a maintainer, a CI bot and a reader have worked on it."""
    from reviews import services
    from reviews.models import State

    for path in MORE:
        ingest_file(path)
    api.credentials(HTTP_AUTHORIZATION=f"Token {accounts.maintainer_token}")
    first, second = patch_id(V1_PATCH1), patch_id(V2_PATCH2)
    changed = api.patch(
        f"{API}/patches/{second}/",
        {"state": "under-review", "delegate": accounts.maintainer.id, "archived": True,
         "commit_ref": "0123abcd"},
        format="json",
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    accepted = api.patch(f"{API}/patches/{first}/", {"state": "accepted"}, format="json")
    assert accepted.status_code == 200, accepted.content
    for context, result in (("build", "success"), ("sparse", "warning")):
        posted = api.post(
            f"{API}/patches/{second}/checks/", {"state": result, "context": context},
            format="json",
        )  # fmt: skip
        assert posted.status_code == 201, posted.content
    bundle = api.post(
        f"{API}/bundles/", {"name": "for-next", "patches": [second, first], "public": True},
        format="json",
    )  # fmt: skip
    assert bundle.status_code == 201, bundle.content
    series = Patch.objects.get(id=second).series
    services.rename_series(accounts.maintainer, series, "rtc: toy driver, the good one")
    services.set_patch_state(accounts.maintainer, Patch.objects.get(id=first),
                             State.objects.get(slug="changes-requested"))  # fmt: skip
    return accounts


def test_reparse_changes_no_api_object_or_id(busy_archive, api) -> None:
    before = api_state(api)
    events_before = set(Event.objects.values_list("id", flat=True))
    assert Check.objects.count() == 2 and Bundle.objects.count() == 1
    assert len(before["patches"]) > 10 and len(before["events"]) > 20
    out = reparse()
    assert "rebuilt reviews" in out and "no longer parse" not in out
    after = api_state(api)
    for key in before:
        assert after[key] == before[key], key
    assert events_before <= set(Event.objects.values_list("id", flat=True))


def test_reparse_recomputes_what_the_mail_says(busy_archive) -> None:
    """Derived fields are the parser's again; the maintainer's fields stay as set."""
    target = Patch.objects.get(id=patch_id(V2_PATCH2))
    expected = {f: getattr(target, f) for f in ("name", "diff", "hash", "diffstat", "title")}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reviews_patch SET name = 'stale', diff = '', hash = '', diffstat = '[]', "
            "title = 'stale', acked = 7 WHERE id = %s",
            [target.id],
        )
        cursor.execute("DELETE FROM reviews_trailer")
    reparse()
    rebuilt = Patch.objects.get(id=target.id)
    assert {f: getattr(rebuilt, f) for f in expected} == expected
    assert rebuilt.acked == target.acked
    assert (rebuilt.state.slug, rebuilt.delegate_id, rebuilt.archived, rebuilt.commit_ref) == (
        "under-review", busy_archive.maintainer.id, True, "0123abcd",
    )  # fmt: skip
    assert rebuilt.series.name == "rtc: toy driver, the good one" and rebuilt.series.name_locked
    assert Patch.objects.filter(message__trailers__kind="Signed-off-by").exists()


def test_a_patch_the_parser_no_longer_sees_is_kept_and_reported(busy_archive) -> None:
    """An older parser took a reply for a patch; its history must not vanish."""
    from archive.models import Message

    reply = (
        Message.objects.filter(subject__startswith="Re:", is_ghost=False, patches=None)
        .order_by("id")
        .first()
    )
    assert reply is not None
    ghost_patch = Patch.objects.create(
        project=Patch.objects.first().project, message=reply, name="Re: mistaken",
        state=Patch.objects.first().state, submitter=reply.author,
    )  # fmt: skip
    check = Check.objects.create(
        patch=ghost_patch, user=busy_archive.maintainer, date=reply.date, state="fail"
    )
    event = Event.objects.create(
        project=ghost_patch.project, category="patch-created", date=reply.date,
        patch=ghost_patch, payload={"patch": ghost_patch.id},
    )  # fmt: skip
    out = reparse()
    assert f"patch {ghost_patch.id} <{reply.msgid}>" in out
    assert "1 patch rows no longer parse as a patch" in out
    assert Patch.objects.filter(id=ghost_patch.id, name="Re: mistaken").exists()
    assert Check.objects.filter(id=check.id, patch_id=ghost_patch.id).exists()
    assert Event.objects.filter(id=event.id, patch_id=ghost_patch.id).exists()


def test_reparse_twice_in_one_transaction(busy_archive) -> None:
    ids = sorted(Patch.objects.values_list("id", "state_id"))
    reparse()
    reparse()
    assert sorted(Patch.objects.values_list("id", "state_id")) == ids
    assert Series.objects.filter(name_locked=True).count() == 1
