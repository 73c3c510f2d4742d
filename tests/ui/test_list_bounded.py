# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patch list matching more than COUNT_BOUND patches is counted only so far (#21):
it says "more than", every page stays reachable, and the bulk bar says so too."""

from __future__ import annotations

import re

from reviews.pages.paging import COUNT_BOUND

_ROW = re.compile(r'<tr class="patch-row')


def test_a_long_list_is_counted_only_so_far(make_patches, client):
    from django.contrib.auth import get_user_model

    from reviews.models import Project

    make_patches(COUNT_BOUND + 60)
    project = Project.objects.get(link_name="test")
    user = get_user_model().objects.get(username="maint")
    project.maintainers.add(user)
    client.force_login(user)
    base = "/project/test/list/?state=*"

    html = client.get(base).content.decode()
    assert f"More than {COUNT_BOUND:,} patches" in html
    assert "<span>Page 1</span>" in html and "page=2" in html
    # The bulk bar offers every match without claiming a number it did not count.
    assert f'data-matching="{COUNT_BOUND:,}+"' in html
    assert f"All {COUNT_BOUND:,}+ that match" in html

    # The first page past the bound counts one page further, and so on to the end.
    last = COUNT_BOUND // 50
    html = client.get(f"{base}&page={last + 1}").content.decode()
    assert len(_ROW.findall(html)) == 50 and f"page={last + 2}" in html
    html = client.get(f"{base}&page={last + 2}").content.decode()
    assert len(_ROW.findall(html)) == 10 and 'rel="next"' not in html
    assert f"{COUNT_BOUND + 60} patches" in html and "More than" not in html
    # A page beyond them all is the last page.
    html = client.get(f"{base}&page=999999999").content.decode()
    assert len(_ROW.findall(html)) == 10

    # A filter that matches fewer is counted exactly, with its page count.
    html = client.get("/project/test/list/?state=*&q=Patch+105").content.decode()
    matched = len(_ROW.findall(html))
    assert 0 < matched < 50
    assert f"{matched} patch" in html and "More than" not in html
