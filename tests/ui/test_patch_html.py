"""The patch page drawn in Python (reviews/pages/patch_html.py): the trailers list is the
markup reviews/_trailers.html wrote (the patch and series pages included it) byte for
byte, the series box links what it should, and values from mail stay text on the page."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from reviews import links
from reviews.models import Series
from reviews.pages.common import NavigationRow, TrailerView
from reviews.pages.patch_html import series_nav_html, trailers_html
from reviews.pages.revisions import RevisionLink

# templates/reviews/_trailers.html as it was before the list was drawn in Python.
_TEMPLATE = """{% if trailers %}
<ul class="trailers">
{% for t in trailers %}
  <li class="{% if t.is_review %}review{% endif %}">
    <span class="kind">{{ t.kind }}</span>
    <span class="who" title="{{ t.value }}"><bdi>{{ t.name }}</bdi></span>
    <a class="src small" href="{{ t.url }}" title="{% if t.in_patch %}In the patch itself{% else %}Given by {{ t.given_by }}{% endif %}">{% if t.in_patch %}patch{% else %}reply{% endif %}</a>
  </li>
{% endfor %}
</ul>
{% else %}<p class="muted small">No trailers yet.</p>{% endif %}
"""  # noqa: E501 (the template's lines as they were)
_HOSTILE = "<script>\"Eve\" & 'Mallory'</script>"


def _trailers() -> list[TrailerView]:
    """Every shape the template tells apart: in the patch or from a reply, a review or not."""
    return [
        TrailerView("Reviewed-by", f"{_HOSTILE} <e@x>", _HOSTILE, "e@x", "/l/a&b@x/", "", True),
        TrailerView("Signed-off-by", "Ann <a@x>", "Ann", "a@x", '/l/"q"@x/', "Ann", True),
        TrailerView("Tested-by", "T <t@x>", "T", "t@x", "/l/t@x/", _HOSTILE, False),
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_trailers_in_python_are_the_templates(count):
    trailers = _trailers()[:count]
    template = Template(_TEMPLATE).render(Context({"trailers": trailers}))
    python = trailers_html(trailers)
    assert python == template
    assert "<script>" not in python
    if count == 3:
        assert python.count("<li ") == 3 and 'title="Given by &lt;script&gt;' in python
    if count == 0:
        assert "No trailers yet." in python


def _series_and_patches(n: int) -> tuple[Series, list[NavigationRow]]:
    """An unsaved series and its patches' rows, their names hostile markup."""
    series = Series(id=9, name=_HOSTILE, version=3, total=n, received_total=n)
    patches = [
        NavigationRow(
            100 + i, f"[{i}/{n}] {_HOSTILE}", "new", f"New {_HOSTILE}",
            links.patch_url("p", f"{i}&<x>@example.org"),
        )
        for i in range(1, n + 1)
    ]  # fmt: skip
    return series, patches


@pytest.mark.django_db  # the unsaved series asks for its cover letter (none)
def test_series_box_links_neighbours_and_revisions():
    series, patches = _series_and_patches(3)
    revisions = [
        RevisionLink(7, "v1", "/project/p/series/7/"),
        RevisionLink(8, "v2", "/project/p/patch/old@x/", patch_msgid="old@x"),
        RevisionLink(9, "v3 <b>", "/project/p/patch/2@x/", current=True),
    ]
    html = series_nav_html(series, "p", revisions, patches, current_id=102)
    assert "<script>" not in html and "<b>" not in html
    assert 'rel="prev" href="/project/p/patch/1&amp;%3Cx%3E@example.org/"' in html
    assert 'rel="next" href="/project/p/patch/3&amp;%3Cx%3E@example.org/"' in html
    assert '<li class="current" aria-current="page">' in html and html.count("<li") == 3
    assert 'class="revision-series" href="/project/p/series/7/"' in html
    assert 'class="revision-patch" href="/project/p/patch/old@x/"' in html
    assert '<strong aria-current="true">v3 &lt;b&gt;</strong>' in html
    assert "v3 · 3 of 3 patches" in html and "cover letter" not in html

    first = series_nav_html(series, "p", revisions[:1], patches, current_id=101)
    assert '<span class="muted">‹ previous</span>' in first and 'rel="next"' in first
    assert "Revisions of this patch" not in first  # one revision: no bar

    alone, one = _series_and_patches(1)
    single = series_nav_html(alone, "p", [], one, current_id=101)
    assert "prevnext" not in single and "1 of 1 patch<" in single
