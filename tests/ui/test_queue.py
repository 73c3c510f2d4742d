"""My queue and the patch list's review filters: what they show, and their fixed query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.reviews.test_turns import DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_series(db):
    """``make(n)``: n one-patch series in project "q", every other one reviewed, mo maintains it.

    Patch dates run back a day each; half the patches have a reply asking
    a question. Turns are computed by ``reviews.turnstore`` as ingest does.
    """
    from django.contrib.auth import get_user_model

    from archive.models import MailingList, Message, Person
    from reviews import turnstore
    from reviews.models import Comment, Patch, Project, Series
    from reviews.replies import Cue
    from reviews.states import state
    from tests.listing import file_in_list

    def make(n: int):
        mlist = MailingList.objects.create(list_id="q.example.org", name="q")
        project = Project.objects.create(
            mailing_list=mlist, name="Queue", link_name="q", list_id="q.example.org"
        )
        mo = get_user_model().objects.create_user("mo", "mo@example.org", "pw")
        project.maintainers.add(mo)
        sam = Person.objects.create(name="Sam", email="sam@example.org")
        rita = Person.objects.create(name="Rita", email="rita@example.org")
        now = timezone.now()
        series = Series.objects.bulk_create(
            Series(project=project, name=f"rtc: fix {i}", total=1, received_total=1,
                   submitter=sam, date=now - dt.timedelta(days=i + 1))
            for i in range(n)
        )  # fmt: skip
        mails = Message.objects.bulk_create(
            Message(msgid=f"q{i}@x", subject=f"[PATCH] rtc: fix {i}", author=sam,
                    date=s.date, body="x")
            for i, s in enumerate(series)
        )  # fmt: skip
        replies = Message.objects.bulk_create(
            Message(msgid=f"qr{i}@x", subject="Re", author=rita, parent=mails[i],
                    date=series[i].date + dt.timedelta(hours=1), body="> x\n\nWhy?\n")
            for i in range(0, n, 2)
        )  # fmt: skip
        file_in_list(mails + replies, mlist)
        new = state("new")
        patches = Patch.objects.bulk_create(
            Patch(project=project, message=m, name=f"[PATCH] rtc: fix {i}", submitter=sam,
                  date=m.date, state=new, series=s, number=1, reviewed=i % 2)
            for i, (m, s) in enumerate(zip(mails, series, strict=True))
        )  # fmt: skip
        Comment.objects.bulk_create(
            Comment(message=r, patch=patches[i * 2], cues=int(Cue.QUESTION | Cue.ANSWER))
            for i, r in enumerate(replies)
        )
        turnstore.refresh_patches([p.id for p in patches])
        return mo

    return make


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_queue_needs_a_login(client):
    response = client.get("/user/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_queue_says_why_each_series_waits(client, many_series):
    mo = many_series(6)
    client.force_login(mo)
    html = client.get("/user/queue/").content.decode()
    text = _text(html)
    # odd ones: reviewed, waiting since they were posted; oldest wait first
    assert text.index("rtc: fix 5") < text.index("rtc: fix 3") < text.index("rtc: fix 1")
    assert "1 Reviewed-by, waiting for you 6 days" in text
    assert "rtc: fix 0" not in text  # asked a question: the submitter's move
    assert 'href="/user/queue/"' in html  # the header links here
    assert "Waiting on me 3" in text and "Waiting on others 3" in text
    others = _text(client.get("/user/queue/?tab=others").content.decode())
    assert "A reviewer asked a question, waiting for the submitter 2 days" in others
    assert "rtc: fix 1" not in others
    # the series page says it too
    from reviews.models import Series

    series = Series.objects.get(name="rtc: fix 5")
    page = _text(client.get(f"/project/q/series/{series.id}/").content.decode())
    assert "1 Reviewed-by, waiting for the maintainer 6 days" in page
    patch = _text(client.get("/project/q/patch/q5@x/").content.decode())
    assert "1 Reviewed-by, waiting for the maintainer 6 days" in patch


def test_queue_as_a_submitter_and_delegates(client, many_series):
    from django.contrib.auth import get_user_model

    from reviews.models import Patch

    mo = many_series(4)
    sam = get_user_model().objects.create_user("sam", "SAM@example.org", "pw")
    client.force_login(sam)
    mine = _text(client.get("/user/queue/?tab=submitted").content.decode())
    assert "Mine as a submitter 4" in mine
    assert "A reviewer asked a question, waiting for you" in mine
    assert "Nothing waits on you" in mine or "Waiting on me 0" in mine
    # delegated to sam: it waits on sam, and no longer on mo
    Patch.objects.filter(name="[PATCH] rtc: fix 1").update(delegate=sam)
    assert "rtc: fix 1" in _text(client.get("/user/queue/").content.decode())
    client.force_login(mo)
    assert "rtc: fix 1" not in _text(client.get("/user/queue/").content.decode())
    # ... but among what waits on others, with what the submitters must do
    others = _text(client.get("/user/queue/?tab=others").content.decode())
    assert "rtc: fix 1" in others and "rtc: fix 0" in others and "rtc: fix 3" not in others


@pytest.mark.parametrize("n", [10, 1000])
def test_queue_queries(client, many_series, n):
    from django.core.cache import cache

    mo = many_series(n)
    client.force_login(mo)
    cache.clear()
    # mo submitted nothing: that tab reads no rows
    for tab, cold in (("", 5), ("others", 5), ("submitted", 4)):
        url = f"/user/queue/?tab={tab}&page=2"
        # session, user, the change stamp, the three tab counts in one statement,
        # one page of series with project and submitter; read again: the stamp only.
        # The counts and the page are prepared statements: a connection's first run
        # of each also sends its PREPARE, not counted (a running worker's are made).
        for expected in (cold, 3):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            sent = [q["sql"] for q in queries if not q["sql"].startswith("PREPARE ")]
            assert len(sent) == expected, (url, sent)
            assert all(s.startswith("EXECUTE threadwork_queue_") for s in sent[3:]), sent


def test_written_out_tabs_match_the_querysets(many_series):
    """The queue's statements (reviews/pages/queuesql.py) pick what ``SeriesQuerySet``
    defines, in its order: delegated to the user, to another maintainer, or to nobody."""
    from django.contrib.auth import get_user_model

    from reviews.models import Patch, Series
    from reviews.pages.queuesql import tab_counts, tab_page

    mo = many_series(12)
    kim = get_user_model().objects.create_user("kim", "sam@example.org", "pw")
    Patch.objects.filter(name__in=["[PATCH] rtc: fix 1", "[PATCH] rtc: fix 2"]).update(delegate=kim)
    Patch.objects.filter(name="[PATCH] rtc: fix 3").update(delegate=mo)
    for user in (mo, kim):
        tabs = {
            "": Series.objects.waiting_on(user),
            "others": Series.objects.waiting_on_others_for(user),
            "submitted": Series.objects.submitted_by(user),
        }
        counts = tab_counts(connection, user, list(tabs), 1000)
        for slug, queryset in tabs.items():
            expected = list(queryset.oldest_wait_first().values_list("id", flat=True))
            assert counts[slug] == len(expected), (user, slug)
            page = [s.id for s in tab_page(connection, user, slug, 1, 5)]
            assert page == expected[1:6], (user, slug)
    assert counts["submitted"] == 12  # kim's address is the submitter's


def test_tabs_counted_only_as_far_as_a_reader_needs(client, many_series, monkeypatch):
    """Past the bound a tab says "5+" and the pager has no last page; a page asked for
    beyond the bound counts as far as it, and the last page counts exactly."""
    from django.core.cache import cache

    from reviews.models import Series
    from reviews.pages import paging, queue

    mo = many_series(30)
    monkeypatch.setattr(paging, "COUNT_BOUND", 5)
    monkeypatch.setattr(queue, "PER_PAGE", 2)
    exact = Series.objects.waiting_on(mo).count()
    assert exact > 8
    client.force_login(mo)

    def tab(url: str) -> str:
        cache.clear()
        return client.get(url).content.decode()

    first = tab("/user/queue/")
    assert '<span class="n">5+</span>' in first
    assert "<span>Page 1</span>" in first and 'rel="next" href="?page=2"' in first
    # Page 4 needs eight series counted, and a ninth says a page follows.
    fourth = tab("/user/queue/?page=4")
    assert '<span class="n">8+</span>' in fourth and "<span>Page 4</span>" in fourth
    assert 'rel="next" href="?page=5"' in fourth
    last = (exact + 1) // 2
    end = tab(f"/user/queue/?page={last}")
    assert f'<span class="n">{exact}</span>' in end
    assert f"<span>Page {last} of {last}</span>" in end and 'rel="next"' not in end


def test_a_kept_queue_follows_changes(client, many_series):
    """The queue is kept under the change stamp: a change through a service shows at once."""
    from reviews.models import Patch
    from reviews.services.patches import set_patch_state
    from reviews.states import state

    mo = many_series(4)
    client.force_login(mo)
    before = _text(client.get("/user/queue/").content.decode())
    assert "rtc: fix 1" in before
    patch = Patch.objects.get(name="[PATCH] rtc: fix 1")
    set_patch_state(mo, patch, state("accepted"))
    after = _text(client.get("/user/queue/").content.decode())
    assert "rtc: fix 3" in after and "rtc: fix 1" not in after
    # ... and a project the user no longer maintains leaves their queue
    patch.project.maintainers.remove(mo)
    assert "rtc: fix 3" not in _text(client.get("/user/queue/").content.decode())


def test_patch_list_review_filters(client, many_series):
    many_series(8)

    def rows(query: str) -> list[str]:
        html = client.get(f"/project/q/list/?{query}").content.decode()
        return re.findall(r"\[PATCH\] rtc: fix (\d+)</bdi>", html)

    assert sorted(rows("turn=submitter"), key=int) == ["0", "2", "4", "6"]
    assert sorted(rows("replied=no"), key=int) == ["1", "3", "5", "7"]
    assert sorted(rows("trailers=reviewed"), key=int) == ["1", "3", "5", "7"]
    assert sorted(rows("trailers=none&turn=maintainer"), key=int) == []
    assert sorted(rows("waiting=5"), key=int) == ["5", "6", "7"]
    assert rows("order=waiting&turn=maintainer") == ["7", "5", "3", "1"]
    assert sorted(rows("activity=7d"), key=int) == ["0", "1", "2", "3", "4", "5", "6"]
    assert sorted(rows("activity=90d%2B"), key=int) == []
    assert rows("waiting=zero&turn=everyone") == rows("")  # bad values are ignored
    html = client.get("/project/q/list/?turn=maintainer").content.decode()
    # nothing delegated and no checks: those columns are left out
    assert "order=delegate" not in html and "<th>Checks</th>" not in html
    assert 'class="turn turn-maintainer" title="1 Reviewed-by, waiting for the maintainer' in html


def test_a_series_lists_in_order(ingest_file, client):
    ingest_file(DATA / "series-mixed.mbox")
    for order in ("", "?order=date", "?order=-series", "?order=series"):
        html = client.get(f"/project/linux-rtc/list/{order}").content.decode()
        assert html.index("[1/2]") < html.index("[2/2]"), order


@pytest.mark.parametrize("n", [10, 1000])
def test_filtered_patch_list_queries(client, many_series, django_assert_max_num_queries, n):
    from django.core.cache import cache
    from django.utils import timezone

    many_series(n)
    # Once first: the project's and the rows' statements are prepared once per
    # connection (archive/prepared.py), not counted per page.
    assert client.get("/project/q/list/?order=name").status_code == 200
    cache.clear()
    queries = (
        "turn=maintainer&trailers=reviewed", "replied=no&waiting=3&order=-activity",
        "turn=submitter&trailers=none", "replied=yes&order=waiting", "activity=7d",
        "state=*&activity=90d%2B&page=2", "waiting=30&order=-waiting",
    )  # fmt: skip
    for query in queries:
        # The kept count's key holds the minute (the wait filters are measured from
        # it): a pair of requests across a minute's end counts again. Asked again then.
        for _ in range(2):
            minute = timezone.now().replace(second=0, microsecond=0)
            cache.clear()
            # project with the change stamp, count, the page's ids, then its rows with
            # their submitters, series and delegates, the delegate choices and states
            # in one statement
            with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as cold:
                assert client.get(f"/project/q/list/?{query}").status_code == 200
            # read again: the count is kept under the stamp
            with CaptureQueriesContext(connection) as warm:
                assert client.get(f"/project/q/list/?{query}").status_code == 200
            if timezone.now().replace(second=0, microsecond=0) == minute:
                break
        assert len(warm) == len(cold) - 1, query
        assert not any("COUNT(" in q["sql"] for q in warm.captured_queries), query


def test_a_kept_count_follows_changes(client, many_series):
    """The list keeps its count under the change stamp: a change shows at once."""
    from reviews.models import Patch
    from reviews.services.patches import set_patch_state
    from reviews.states import state

    mo = many_series(4)

    def count(query: str) -> str:
        html = client.get(f"/project/q/list/?{query}").content.decode()
        return re.search(r"(\d+) patch(es)? ·", html).group(1)

    assert count("turn=maintainer") == "2" and count("") == "4"
    set_patch_state(mo, Patch.objects.get(name="[PATCH] rtc: fix 1"), state("accepted"))
    assert count("turn=maintainer") == "1" and count("") == "3"


def test_the_submitted_tab_reads_indexes_not_tables(many_series):
    """A user's address is found by ``person_email_upper`` and their open series
    read in wait order from ``series_submitted``, not by reading every person and
    series row (the two conditions of ``TAB_PARTS["submitted"]``, each asked alone:
    in tables this small PostgreSQL would rather join them from the series side)."""
    from archive.models import Person

    many_series(30)
    sam = Person.objects.get(email="sam@example.org")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_person; ANALYZE reviews_series")
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM archive_person sp WHERE UPPER(sp.email::text) = UPPER(%s)",
            ["SAM@example.org"],
        )
        person_plan = "\n".join(row[0] for row in cursor.fetchall())
        # In wait order, as the tab's page asks: only series_submitted holds it.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(
            "EXPLAIN SELECT s.id FROM reviews_series s WHERE s.submitter_id = %s"
            " AND s.received_total > 0 AND s.turn <> 'nobody' ORDER BY s.waiting_since, s.id",
            [sam.pk],
        )
        series_plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_email_upper" in person_plan, person_plan
    assert "using series_submitted" in series_plan, series_plan


def test_warm_up_prepares_the_queues_statements(client, many_series):
    """A worker's warm-up prepares My queue's key, counts and tab pages: the first
    queue it draws sends no PREPARE, and shows what it shows without the warm-up."""
    from django.core.cache import cache

    from archive.prepared import forget_all
    from reviews.warmup import warm_queue

    mo = many_series(6)
    client.force_login(mo)
    cold = {}
    for tab in ("", "others", "submitted"):
        cache.clear()
        cold[tab] = client.get(f"/user/queue/?tab={tab}").content
    forget_all(connection)
    warm_queue()
    for tab in ("", "others", "submitted"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/user/queue/?tab={tab}").content
        assert not [q["sql"] for q in queries if q["sql"].startswith("PREPARE ")], tab
        assert _text(page.decode()) == _text(cold[tab].decode())
