"""The patch page's carried review written in Python (reviews/pages/carried_html.py) is
the markup of reviews/_carried_answers.html as the page included it, byte for byte."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from reviews.carry import AnswerStatus
from reviews.pages.carried import CarriedAnswer, CarriedReview
from reviews.pages.carried_html import render_carried
from reviews.rendering.answers import InlineAnswer

# How the patch page included the template before the carried review was written in Python.
_INCLUDE = '{% include "reviews/_carried_answers.html" with carried=carried %}'

_HOSTILE = "<script>\"Eve\" & 'Mallory'</script>"


def _review(interdiff_url: str, answers: int) -> CarriedReview:
    """A carried review with every shape the template tells apart, its values hostile markup."""
    # a quarter to midnight UTC: another day in Kolkata, microseconds kept in datetime=""
    when = dt.datetime(2024, 3, 31, 23, 45, 7, 123456, tzinfo=dt.UTC)
    replies = (
        InlineAnswer(_HOSTILE, when, "/l/a%2Fb@x/", "Does <this> & 'that' help?\n> quoted"),
        InlineAnswer("", when.replace(microsecond=0), '/l/"odd"&<id>@x/', ""),
        InlineAnswer("Ann", None, "/l/c@x/", "no date"),
    )
    shapes = [
        (AnswerStatus.OPEN, "drivers/<a>&b.c", 12345, "+\tif (x < y && z > 0)", replies),
        (AnswerStatus.ADDRESSED, "a.c", None, "-old", replies[:1]),
        (AnswerStatus.GONE, "b'c\".h", 0, " context", ()),
    ]
    return CarriedReview(
        name="v11 <RESEND>",
        patch_url="/project/p/patch/a&b@x/",
        interdiff_url=interdiff_url,
        applied=False,
        answers=tuple(CarriedAnswer(*shape) for shape in shapes[:answers]),
        trailers=(),
    )


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("interdiff_url", ["", "/project/p/patch/a@x/interdiff/b&c@x/"])
@pytest.mark.parametrize("answers", [0, 1, 3])
def test_carried_review_in_python_is_the_templates(zone, interdiff_url, answers):
    carried = _review(interdiff_url, answers)
    with timezone.override(zone):
        template = Template(_INCLUDE).render(Context({"carried": carried}))
        python = render_carried(carried)
    assert python == template
    assert "<script>" not in python and "<RESEND>" not in python
    if answers == 3:
        assert python.count('<article class="answer">') == 4
        assert ":12345 in v11 &lt;RESEND&gt;" in python  # no thousands separator
        assert "still open" in python and 'class="carried-answer gone"' in python
        assert ("2024-04-01 05:15" in python) == (zone == "Asia/Kolkata")
