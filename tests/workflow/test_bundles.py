"""Bundles: made from a list selection or a patch page, ordered, private or public."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Bundle, BundlePatch, Patch
from tests.workflow.conftest import login, make_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_accounts(toy):
    return make_accounts(toy[0])


def _patches(series) -> list[Patch]:
    return list(Patch.objects.filter(series=series).order_by("number"))


def _entries(bundle) -> list[int]:
    return list(BundlePatch.objects.filter(bundle=bundle).order_by("order").values_list(
        "patch_id", flat=True))  # fmt: skip


def _make(client, toy, toy_accounts, public=False) -> tuple[Bundle, list[Patch]]:
    project, v1, v2 = toy
    patches = _patches(v2) + _patches(v1)[:1]
    login(client, toy_accounts.maintainer)
    data = {"patch": [p.id for p in patches], "name": "rtc-work", "go": "1",
            "next": f"/project/{project.link_name}/list/"}  # fmt: skip
    if public:
        data["public"] = "on"
    response = client.post("/bundles/add/", data)
    assert response.status_code == 302
    assert response.url == "/bundle/maint/rtc-work/"
    return Bundle.objects.get(owner=toy_accounts.maintainer, name="rtc-work"), patches


def test_create_from_the_list_selection(client, toy, toy_accounts):
    project, _v1, _v2 = toy
    login(client, toy_accounts.maintainer)
    html = client.get(f"/project/{project.link_name}/list/").content.decode()
    assert 'formaction="/bundles/add/"' in html and 'name="name"' in html
    bundle, patches = _make(client, toy, toy_accounts)
    assert not bundle.public and bundle.project == project
    assert _entries(bundle) == [p.id for p in patches]  # in the order selected
    html = client.get("/bundle/maint/rtc-work/").content.decode()
    assert "Added 3 patches to bundle “rtc-work”." in html
    positions = [html.index(p.name) for p in patches]
    assert positions == sorted(positions), "the bundle page lists patches in bundle order"
    assert 'href="/bundle/maint/rtc-work/mbox/"' in html
    assert "rtc-work" in client.get("/user/").content.decode()


def test_add_from_a_patch_page_to_an_existing_bundle(client, toy, toy_accounts):
    project, v1, _v2 = toy
    bundle, patches = _make(client, toy, toy_accounts)
    extra = _patches(v1)[1]
    page = client.get(f"/project/{project.link_name}/patch/{extra.message.msgid}/")
    assert f'<option value="{bundle.id}">rtc-work</option>' in page.content.decode()
    client.post("/bundles/add/", {"patch": extra.id, "bundle": bundle.id})
    client.post("/bundles/add/", {"patch": extra.id, "bundle": bundle.id})  # no duplicate
    assert _entries(bundle) == [p.id for p in patches] + [extra.id]


def test_download_as_one_mbox_in_order(client, toy, toy_accounts):
    _bundle, patches = _make(client, toy, toy_accounts)
    url = reverse("bundle-mbox", kwargs={"owner": "maint", "name": "rtc-work"})
    assert url == "/bundle/maint/rtc-work/mbox/"
    response = client.get(url)
    assert response.status_code == 200
    mbox = response.content.decode()
    subjects = [p.name.split("] ", 1)[1] for p in patches]
    positions = [mbox.index(s) for s in subjects]
    assert positions[:2] == sorted(positions[:2])
    assert mbox.count("\nFrom ") + mbox.startswith("From ") == 3


def test_remove_and_privacy(client, toy, toy_accounts):
    from django.test import Client

    bundle, patches = _make(client, toy, toy_accounts)
    response = client.post("/bundle/maint/rtc-work/remove/", {"patch": patches[0].id})
    assert response.status_code == 302
    assert _entries(bundle) == [p.id for p in patches[1:]]

    other, anonymous = Client(), Client()
    login(other, toy_accounts.other)
    for c in (other, anonymous):
        assert c.get("/bundle/maint/rtc-work/").status_code == 404
        assert c.get("/bundle/maint/rtc-work/mbox/").status_code == 404

    client.post("/bundle/maint/rtc-work/update/", {"public": "yes"})
    assert Bundle.objects.get(pk=bundle.pk).public
    for c in (other, anonymous):
        html = c.get("/bundle/maint/rtc-work/").content.decode()
        assert patches[1].name in html
        assert "/remove/" not in html  # only the owner gets the controls


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_others_cannot_change_a_bundle(client, toy, toy_accounts, who):
    from django.test import Client

    bundle, patches = _make(client, toy, toy_accounts, public=True)
    intruder = Client()
    if who == "other":
        login(intruder, toy_accounts.other)
    for action, data in [("remove", {"patch": patches[0].id}), ("update", {"public": "no"}),
                         ("delete", {})]:  # fmt: skip
        response = intruder.post(f"/bundle/maint/rtc-work/{action}/", data)
        assert response.status_code == (403 if who == "other" else 302)
    # Adding to someone else's bundle by id is refused too.
    response = intruder.post("/bundles/add/", {"patch": patches[0].id, "bundle": bundle.id})
    assert response.status_code == 302
    bundle.refresh_from_db()
    assert bundle.public and _entries(bundle) == [p.id for p in patches]


def test_delete(client, toy, toy_accounts):
    bundle, _ = _make(client, toy, toy_accounts)
    response = client.post("/bundle/maint/rtc-work/delete/")
    assert response.status_code == 302 and response.url == "/user/"
    assert not Bundle.objects.filter(pk=bundle.pk).exists()


def test_clear_errors(client, toy, toy_accounts):
    project, v1, _v2 = toy
    login(client, toy_accounts.maintainer)
    here = f"/project/{project.link_name}/list/"
    client.post("/bundles/add/", {"name": "x", "next": here})
    assert "select at least one patch first" in client.get(here).content.decode()
    client.post("/bundles/add/", {"patch": _patches(v1)[0].id, "next": here})
    assert "Choose one of your bundles or name a new one." in client.get(here).content.decode()
    seed = Patch.objects.exclude(project=project).first()
    client.post("/bundles/add/", {"patch": [_patches(v1)[0].id, seed.id], "name": "mix",
                                  "next": here})  # fmt: skip
    assert "A bundle&#x27;s patches belong to one project." in client.get(here).content.decode()
    assert not Bundle.objects.filter(name="mix").exists()
