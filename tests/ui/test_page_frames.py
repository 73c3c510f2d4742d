"""Message and patch pages for a visitor not logged in, joined from their template's
frame (archive/views/frame.py), are the template's pages byte for byte; anyone else,
and a page with messages waiting, gets the template itself."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from archive.views.frame import Frame, cut, marker
from archive.views.messages import MESSAGE_FRAMES, slot_values
from reviews.views import PATCH_FRAMES
from tests.pagerequest import page_request
from tests.ui.conftest import SEED_MSGID

_HOSTILE = "<script>\"Eve\" & 'Mallory'</script> %00next%00 ü"
# Paths as visitors send them: the login links quote them back.
_PATHS = ["/l/a@b/", "/l/a@b/?x=<b>&y='\"%25 ü", "/l/%00next%00/"]


def test_cut_finds_each_slot_as_often_as_the_page_shows_it() -> None:
    page = f"<t>{marker('title')}</t><a href='?next=%00next%00'>{marker('body')}</a>%00next%00"
    frame = cut(page, {"title": 1, "body": 1, "next": 2})
    assert isinstance(frame, Frame)
    assert frame.slots == ("title", "next", "body", "next")
    filled = frame.fill({"title": "T", "body": "B", "next": "/p/"})
    assert filled == "<t>T</t><a href='?next=/p/'>B</a>/p/"
    # A value of the key that looks like a marker: the counts are off, no frame.
    assert cut(page + "%00next%00", {"title": 1, "body": 1, "next": 2}) is None
    assert cut(page, {"title": 1, "body": 1, "next": 1}) is None


@pytest.mark.parametrize("list_name", ["lst", "a&b", "odd%00next%00name"])
@pytest.mark.parametrize("subject", ["", _HOSTILE])
@pytest.mark.parametrize("path", _PATHS)
def test_a_visitors_message_page_is_the_templates(list_name, subject, path) -> None:
    article = mark_safe(f"<article>{_HOSTILE.replace('<', '&lt;')}</article>")
    context = {"list_name": list_name, "subject": subject, "article": article}
    reference = render_to_string(MESSAGE_FRAMES.template, context, page_request(path))
    values = slot_values(context)
    response = MESSAGE_FRAMES.response(page_request(path), list_name, context, values)
    assert response.content.decode() == reference
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.django_db
@pytest.mark.parametrize("path", _PATHS)
def test_a_visitors_patch_page_is_the_templates(seed, path) -> None:
    from reviews.pages.patch import patch_page
    from reviews.views import patch_detail

    page = patch_page("linux-mm", SEED_MSGID)
    context = {"view": page, "search_list": page.list_name}
    reference = render_to_string(PATCH_FRAMES.template, context, page_request(path))
    assert PATCH_FRAMES.frame(page.list_name) is not None
    framed = patch_detail(page_request(path), "linux-mm", SEED_MSGID).content.decode()
    assert framed == reference
    assert framed.count("Log in</a>") == 2  # the header's and the actions box's


@pytest.mark.django_db
def test_logged_in_users_and_messages_get_the_patch_template(seed, django_user_model) -> None:
    from reviews.views import patch_detail

    user = django_user_model.objects.create_user("ada", password="pw-long-enough-1")
    page = patch_detail(page_request("/p/", user), "linux-mm", SEED_MSGID).content.decode()
    assert "Log out" in page and "ada" in page and "Log in" not in page
    request = page_request("/p/")
    request._messages.add(constants.INFO, "Saved <3.")
    page = patch_detail(request, "linux-mm", SEED_MSGID).content.decode()
    assert '<li class="msg-info">Saved &lt;3.</li>' in page
