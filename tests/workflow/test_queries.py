"""The workflow's pages keep a fixed number of queries, for 10 patches as for 1,000."""

from __future__ import annotations

import pytest

from reviews import services
from reviews.models import Patch
from tests.workflow.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def maintainer(django_user_model):
    return django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)


@pytest.mark.parametrize("n", [10, 1000])
def test_maintainer_pages(client, make_patches, maintainer, django_assert_max_num_queries, n):
    patches = make_patches(n)
    project = patches[0].project
    project.maintainers.add(maintainer)
    some = list(Patch.objects.filter(project=project).order_by("id")[:60])
    services.create_bundle(maintainer, "big", some)
    Patch.objects.filter(project=project).update(delegate=maintainer)
    client.login(username="boss", password=PASSWORD)
    # The patch page's statements are prepared once per connection (the first
    # view on it also sends each PREPARE); count the views of a running worker.
    client.get("/project/test/patch/p1%2Fx@example.org/")
    # The anonymous page's 5, then session, user, maintainer check, the user's
    # bundles, state and delegate choices (and one to spare).
    with django_assert_max_num_queries(13):
        html = client.get("/project/test/patch/p3%2Fx@example.org/").content.decode()
    assert "Maintainer actions" in html
    with django_assert_max_num_queries(15):
        assert "Update selected" in client.get("/project/test/list/").content.decode()
    with django_assert_max_num_queries(8):
        html = client.get(f"/project/test/series/{patches[0].series_id}/").content.decode()
    assert "Apply to series" in html
    with django_assert_max_num_queries(10):
        assert client.get("/bundle/boss/big/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/user/").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get("/project/test/events/").status_code == 200
