"""The discussion written in Python (reviews/pages/discussion.py) is the markup
reviews/_discussion.html wrote (the patch and series pages included it), byte for byte."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from archive.models import Message, Person
from reviews.pages.common import CommentView
from reviews.pages.discussion import render_discussion

# templates/reviews/_discussion.html as it was before the discussion was drawn in Python.
_TEMPLATE = """{% load threadwork %}
<section class="discussion" id="discussion" aria-labelledby="discussion-h">
  <h2 id="discussion-h">Discussion <span class="count">{{ comments|length }}</span></h2>
  {% for c in comments %}
  <article class="comment" id="c{{ forloop.counter }}">
    <header>
      <span class="author">{% if c.message.author %}<a href="{{ c.message.author|person_url }}"><bdi>{{ c.message.author.display_name }}</bdi></a>{% else %}(unknown){% endif %}</span>
      <a class="permalink" href="{{ c.url }}" title="This message in the archive"><time datetime="{{ c.message.date|date:'c' }}">{{ c.message.date|date:"Y-m-d H:i" }}</time></a>
    </header>
    <div class="mail">{{ c.html }}</div>
  </article>
  {% empty %}
  <p class="muted">No replies yet.</p>
  {% endfor %}
</section>
"""  # noqa: E501 (the template's lines as they were)


def _replies() -> list[CommentView]:
    """Replies with every shape the loop tells apart, their values hostile markup."""
    hostile = Person(id=7, name="<script>\"Eve\" & 'Mallory'</script>", email="eve@example.org")
    merged = Person(id=8, name="", email="a&b@example.org", canonical_id=3)
    # a quarter to midnight UTC: another day in Kolkata, microseconds kept in datetime=""
    when = dt.datetime(2024, 3, 31, 23, 45, 7, 123456, tzinfo=dt.UTC)
    shapes = [
        (hostile, when, '<span class="q q1">&gt; quoted &amp; &lt;b&gt;</span>', "/l/a%2Fb@x/"),
        (merged, when.replace(microsecond=0), "", '/l/"odd"&<id>@x/'),
        (None, when + dt.timedelta(days=200), "plain <i>already escaped</i>", "/l/c@x/"),
        (None, None, "no date", "/l/d@x/"),
    ]
    replies = []
    for i, (author, date, body, url) in enumerate(shapes, 1):
        message = Message(id=i, msgid=f"{i}@x", subject="s", date=date, body="")
        message.author = author
        replies.append(CommentView(message, mark_safe(body), url))
    return replies


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("count", [0, 1, 4])
def test_discussion_in_python_is_the_templates(zone, count):
    comments = _replies()[:count]
    with timezone.override(zone):
        template = Template(_TEMPLATE).render(Context({"comments": comments}))
        python = render_discussion(comments)
    assert python == template
    if count == 4:
        assert "&lt;script&gt;&quot;Eve&quot; &amp; &#x27;Mallory&#x27;&lt;/script&gt;" in python
        assert 'href="/person/3/"><bdi>a&amp;b@example.org</bdi>' in python  # merged address
        assert "<script>" not in python
        assert python.count('<article class="comment"') == 4
        assert ("2024-04-01 05:15" in python) == (zone == "Asia/Kolkata")
    if count == 0:
        assert "No replies yet." in python


def test_quoted_lines_keep_depth_links_and_markers():
    """A quote run is escaped in one piece: each line still gets its own depth, its
    links and its markers for invisible characters, and nothing leaks across lines."""
    from reviews.rendering.mail import render_mail

    body = (
        "> > > deep\n"
        ">        >  far apart, still two\n"
        ">" + " " * 20 + "> > beyond the first eight characters\n"
        ">" + " " * 12 + "x > y > z\n"
        "> see https://example.org/?a=1&b=2 <b>bold</b>\n"
        "> bell\x07 and \u202etwisted\n"
        "Answer.\n"
    )
    html = render_mail(body)
    expected = [
        '<span class="q q3">&gt; &gt; &gt; deep</span>',
        '<span class="q q2">&gt;        &gt;  far apart, still two</span>',
        f'<span class="q q3">&gt;{" " * 20}&gt; &gt; beyond the first eight characters</span>',
        f'<span class="q q2">&gt;{" " * 12}x &gt; y &gt; z</span>',  # ">x>" counts two
        '<span class="q q1">&gt; see <a href="https://example.org/?a=1&amp;b=2" '
        'rel="nofollow noopener">https://example.org/?a=1&amp;b=2</a> '
        "&lt;b&gt;bold&lt;/b&gt;</span>",
        '<span class="q q1">&gt; bell<span class="ctrl" title=',
    ]
    for piece in expected:
        assert piece in html
    assert 'class="ctrl bidi"' in html and "\x07" not in html and "\u202e" not in html
    assert html.count('<span class="q q') == 6
