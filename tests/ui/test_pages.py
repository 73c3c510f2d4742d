"""Every review page over HTTP: status, content, links and escaping."""

from __future__ import annotations

import pytest

from tests.ui.conftest import SEED_MSGID, SEED_URL

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def test_home_lists_projects_with_counts(client, seed):
    html = client.get("/").content.decode()
    assert 'href="/project/linux-mm/list/"' in html
    assert '<td class="num" data-label="Messages">13</td>' in html


def test_patch_list_defaults_to_action_required(client, seed):
    html = client.get("/project/linux-mm/list/").content.decode()
    assert "mm: export alloc_pages_vma" in html
    assert f'href="{SEED_URL}"' in html
    assert 'name="patch"' in html  # a checkbox per row
    assert "Action required" in html


def test_patch_list_filters(client, seed):
    def names(query: str) -> int:
        return client.get(f"/project/linux-mm/list/?{query}").content.decode().count("patch-row")

    assert names("state=accepted") == 0
    assert names("state=*") == 1
    assert names("state=*&q=alloc_pages") == 1
    assert names("state=*&q=nothing-like-this") == 0
    assert names("archived=true") == 0
    assert names("archived=both") == 1
    assert names("since=2019-06-01&until=2019-06-30") == 1
    assert names("since=2020-01-01") == 0
    assert names("order=-name&page=99&since=bogus") == 1  # bad values fall back


def test_patch_list_unknown_project_is_404(client, db):
    assert client.get("/project/nope/list/").status_code == 404


def test_patch_page(client, seed):
    response = client.get(SEED_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "[05/22] mm: export alloc_pages_vma" in html
    assert 'class="state-badge big st-new">New<' in html
    assert '<tr class="add' in html and "EXPORT_SYMBOL_GPL(alloc_pages_vma);" in html
    assert 'data-ln="2101"' in html
    assert html.count('<article class="comment"') == 12
    assert "Reviewed-by</span>" in html and "John Hubbard" in html
    assert '<span class="trailer">Reviewed-by: John Hubbard' in html
    # Quotes folded but for the three lines above each answer: Michal's question
    # follows the line it asks about, outside the fold.
    assert '<details class="quote' in html and "quoted 14 lines" in html
    question = html.index("All allocator exported symbols", html.index('id="discussion"'))
    context = html.rindex("</details>", 0, question)
    assert "&gt; +EXPORT_SYMBOL_GPL(alloc_pages_vma);" in html[context:question]
    assert f'href="/linux-mm/{SEED_MSGID}/"' in html  # permalinks into the archive
    assert f"{SEED_URL}mbox/" in html and f"{SEED_URL}raw/" in html
    assert "/series/" in html and "/mbox/" in html
    # the diff comes before the discussion
    assert html.index("EXPORT_SYMBOL_GPL(alloc_pages_vma);") < html.index('id="discussion"')


def test_patch_by_id_redirects(client, seed):
    from reviews.models import Patch

    patch = Patch.objects.get()
    response = client.get(f"/patch/{patch.id}/")
    assert response.status_code == 302
    assert response["Location"] == SEED_URL


def test_patch_page_msgid_with_slash(client, make_patches):
    make_patches(2)
    response = client.get("/project/test/patch/p1%2Fx@example.org/")
    assert response.status_code == 200
    assert "[1/2] Patch 1" in response.content.decode()
    assert client.get("/project/test/patch/p1/x@example.org/").status_code == 200
    assert client.get("/project/test/patch/nope@example.org/").status_code == 404


def test_series_page(client, seed):
    from reviews.models import Series

    series = Series.objects.get()
    html = client.get(f"/project/linux-mm/series/{series.id}/").content.decode()
    assert "mm: export alloc_pages_vma" in html
    assert f"/series/{series.id}/mbox/" in html
    assert "1 of 22 patches" in html
    assert SEED_URL in html


def test_cover_page_and_revisions(client, make_patches):
    from archive.models import Message
    from reviews.models import Comment, Cover, Patch, Series

    patches = make_patches(3)
    v1 = patches[0].series
    v2 = Series.objects.create(project=v1.project, name="v2 of it", version=2, lineage=v1,
                               previous=v1)  # fmt: skip
    Patch.objects.filter(id=patches[2].id).update(series=v2)
    message = Message.objects.create(msgid="cover/1@example.org", subject="[PATCH 0/3] Cover",
                                     body="This series does things.\n\n-- \nsig\n")  # fmt: skip
    cover = Cover.objects.create(project=v1.project, message=message, name="[PATCH 0/3] Cover",
                                 series=v1)  # fmt: skip
    reply = Message.objects.create(msgid="cr@example.org", body="> quoted\n\nAcked-by: A <a@b.c>")
    Comment.objects.create(message=reply, cover=cover)
    html = client.get("/project/test/cover/cover%2F1@example.org/").content.decode()
    assert "This series does things." in html
    assert '<details class="signature">' in html
    assert f'href="/project/test/series/{v2.id}/">v2</a>' in html
    assert '<article class="comment"' in html
    html = client.get(f"/project/test/series/{v2.id}/").content.decode()
    assert f'href="/project/test/series/{v1.id}/">v1</a>' in html
    assert "no cover letter" in html


def test_person_page(client, seed):
    from archive.models import Person

    john = Person.objects.get(email="jhubbard@nvidia.com")
    html = client.get(f"/person/{john.id}/").content.decode()
    assert "John Hubbard" in html
    assert "Reviewed-by" in html and "mm: export alloc_pages_vma" in html
    hch = Person.objects.get(email="hch@lst.de")
    html = client.get(f"/person/{hch.id}/").content.decode()
    assert SEED_URL in html


def test_mail_text_is_escaped_everywhere(client, make_patches):
    from archive.models import Person

    make_patches(2, name=XSS, body=f"{XSS}\n> {XSS}\n>\n>\n> x", author=XSS)
    person = Person.objects.get(email="ann@example.org")
    pages = [
        "/project/test/list/?state=*",
        "/project/test/patch/p1%2Fx@example.org/",
        f"/person/{person.id}/",
    ]
    from reviews.models import Series

    pages.append(f"/project/test/series/{Series.objects.get().id}/")
    for url in pages:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;" in html, url
