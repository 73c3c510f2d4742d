"""Issue #15 through the real ingest: X-Patchwork headers, covers without PATCH, no-diff patches.

Scenario mails are in ``tests/data/series/`` (see its README).
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from archive.models import Message, RawMail
from reviews import services
from reviews.models import (
    Comment,
    Cover,
    Event,
    EventCategory,
    Patch,
    Project,
    Series,
    State,
    StateOrigin,
    Trailer,
)  # fmt: skip
from reviews.projects import ensure_projects
from reviews.rebuild import rebuild_reviews
from reviews.services.mailheaders import DELEGATE_REASON, STATE_REASON
from tests.conftest import DATA

pytestmark = pytest.mark.django_db

SERIES = DATA / "series"
HINT = SERIES / "hint-ignore-autosel.mbox"
COVER = SERIES / "cover-without-patch-tag.mbox"
NO_DIFF = SERIES / "patch-without-diff.mbox"
FORWARDED = SERIES / "forwarded-patch.mbox"
HEADERS = SERIES / "patchwork-state-delegate.mbox"


def missed_patches(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("missed_patches", *args, stdout=out)
    return out.getvalue().splitlines()


# --- X-Patchwork-Hint: ignore ---------------------------------------------------------------------


def test_hint_ignored_mail_is_archived_but_makes_no_patch(ingest_file) -> None:
    summary = ingest_file(HINT)
    assert (summary.new, summary.quarantined) == (3, 0)
    ignored = Message.objects.filter(msgid__startswith="autosel-").exclude(
        msgid__endswith="-r@example.org"
    )
    assert ignored.count() == 2
    assert RawMail.objects.filter(message__in=ignored).count() == 2
    assert (Patch.objects.count(), Cover.objects.count(), Series.objects.count()) == (0, 0, 0)
    assert not Trailer.objects.filter(message__in=ignored).exists()  # nor their Signed-off-by
    assert not Event.objects.exists()
    assert missed_patches("--ignored") == [
        "ignored\t<autosel-2@example.org>\t[PATCH AUTOSEL 6.6 2/6] lib: foo: return one",
        "ignored\t<autosel-3@example.org>\t[PATCH AUTOSEL 6.6 3/6] lib: bar: return two",
        "0 tagged as a patch without a diff, 2 ignored by X-Patchwork-Hint",
    ]


def test_hint_ignored_mail_is_counted_by_reparse(ingest_file) -> None:
    ingest_file(HINT)
    report = rebuild_reviews(None)
    assert (report.ignored_by_hint, report.patches, report.covers) == (2, 0, 0)
    assert any("2 messages archived as mail only" in line for line in report.lines())
    assert Patch.objects.count() == 0


# --- cover letters without PATCH ------------------------------------------------------------------


def test_cover_letter_without_patch_tag(ingest_file) -> None:
    ingest_file(COVER)
    cover = Cover.objects.select_related("series", "message").get()
    assert cover.message.msgid == "rfc-0@example.org"
    assert cover.name == "[RFC,v2,0/2] lib: bar: rework"
    series = cover.series
    assert (series.name, series.version, series.total, series.received_total) == (
        "lib: bar: rework", 2, 2, 2,
    )  # fmt: skip
    # The n/N mails carry no PATCH tag either: their diffs make them patches of the series.
    patches = Patch.objects.filter(series=series).order_by("number")
    assert [(p.number, p.name) for p in patches] == [
        (1, "[RFC,v2,1/2] lib: bar: first step"),
        (2, "[RFC,v2,2/2] lib: bar: second step"),
    ]
    # The discussion and the ack on the cover letter are attached.
    assert cover.comments.get().message.msgid == "rfc-r@example.org"
    assert [(p.acked, p.reviewed, p.tested) for p in patches] == [(1, 0, 0), (1, 0, 0)]


# --- [PATCH] without a diff -----------------------------------------------------------------------


def test_patch_without_diff_is_a_message_or_a_comment_and_is_listed(ingest_file) -> None:
    ingest_file(NO_DIFF)
    assert Cover.objects.count() == 0
    real = Patch.objects.get()
    assert real.message.msgid == "nodiff-p@example.org"
    # The one answering a patch is its comment (its Reviewed-by counts); the lone one is mail.
    assert list(real.comments.values_list("message__msgid", flat=True)) == ["nodiff-r@example.org"]
    assert real.reviewed == 1
    assert Comment.objects.count() == 1
    assert Message.objects.filter(msgid="nodiff-v2@example.org").exists()
    assert missed_patches() == [
        "no diff\t<nodiff-v2@example.org>\t[PATCH v2] lib: baz: tidy up",
        "no diff\t<nodiff-r@example.org>\t[PATCH] lib: foo: return one",
        "2 tagged as a patch without a diff, 0 ignored by X-Patchwork-Hint",
    ]


def test_patch_without_diff_is_listed_by_reparse(ingest_file) -> None:
    ingest_file(NO_DIFF)
    out = io.StringIO()
    call_command("reparse", "--list", "linux-mm", stdout=out)
    lines = out.getvalue().splitlines()
    at = next(i for i, line in enumerate(lines) if "say they are a patch but have no diff" in line)
    assert lines[at].startswith("2 messages")
    assert lines[at + 1 : at + 3] == [
        "  <nodiff-v2@example.org> [PATCH v2] lib: baz: tidy up",
        "  <nodiff-r@example.org> [PATCH] lib: foo: return one",
    ]
    assert (Patch.objects.count(), Cover.objects.count()) == (1, 0)


def test_missed_patches_for_one_list(ingest_file) -> None:
    ingest_file(NO_DIFF)
    ingest_file(HINT, "other-list")
    assert missed_patches("--list", "other-list")[-1] == (
        "0 tagged as a patch without a diff, 2 ignored by X-Patchwork-Hint"
    )
    assert missed_patches("--list", "linux-mm")[-1] == (
        "2 tagged as a patch without a diff, 0 ignored by X-Patchwork-Hint"
    )


# --- Fwd: / Fw: -----------------------------------------------------------------------------------


def test_forwarded_patch_stays_a_message(ingest_file) -> None:
    """docs/mail-kinds.md: a forward is not a submission (not its author's, often a duplicate)."""
    summary = ingest_file(FORWARDED)
    assert (summary.new, summary.quarantined) == (2, 0)
    assert (Patch.objects.count(), Cover.objects.count(), Series.objects.count()) == (0, 0, 0)
    assert "diff --git a/lib/qux.c" in Message.objects.get(msgid="fwd-1@example.org").body
    assert (
        missed_patches()[-1] == "0 tagged as a patch without a diff, 0 ignored by X-Patchwork-Hint"
    )


# --- X-Patchwork-State / X-Patchwork-Delegate -----------------------------------------------------


@pytest.fixture
def people():
    users = get_user_model().objects
    mia = users.create_user("mia", "mia@example.org", "pw-123-mia")
    sam = users.create_user("sam", "sam@example.org", "pw-123-sam")  # no maintainer
    return mia, sam


def linux_mm(trusting: bool, maintainer=None) -> Project:
    """The project, made before its first mail so it can be configured."""
    from archive.lists import ensure_lists

    mailing_list = ensure_lists({"linux-mm.kvack.org": ("Linux MM", "")})["linux-mm.kvack.org"]
    project = ensure_projects([mailing_list.id])[mailing_list.id]
    Project.objects.filter(id=project.id).update(trust_patchwork_headers=trusting)
    if maintainer is not None:
        project.maintainers.add(maintainer)
    return project


def patch(msgid: str) -> Patch:
    return Patch.objects.select_related("state", "delegate").get(message__msgid=msgid)


def header_events(category: str) -> list[tuple[str, dict]]:
    found = Event.objects.filter(category=category).order_by("id")
    return [(e.patch.message.msgid, e.payload) for e in found if e.actor is None]


def test_projects_do_not_trust_the_headers_by_default(ingest_file, people) -> None:
    mia, _ = people
    linux_mm(trusting=False, maintainer=mia)
    ingest_file(HEADERS)
    assert Project.objects.get().trust_patchwork_headers is False
    for msgid in ("hdr-a@example.org", "hdr-b@example.org", "hdr-c@example.org"):
        p = patch(msgid)
        assert (p.state.slug, p.delegate, p.state_origin) == ("new", None, StateOrigin.MAIL)
    assert not Event.objects.filter(category=EventCategory.PATCH_STATE_CHANGED).exists()
    assert not Event.objects.filter(category=EventCategory.PATCH_DELEGATED).exists()


def test_a_trusting_project_takes_state_and_delegate_from_the_mail(ingest_file, people) -> None:
    mia, _ = people
    linux_mm(trusting=True, maintainer=mia)
    ingest_file(HEADERS)
    a = patch("hdr-a@example.org")  # "Accepted", "Mia Maintainer <MIA@example.org>"
    assert (a.state.slug, a.delegate, a.state_origin) == ("accepted", mia, StateOrigin.MAIL)
    b = patch("hdr-b@example.org")  # an unknown state and an unknown address: ignored
    assert (b.state.slug, b.delegate) == ("new", None)
    c = patch("hdr-c@example.org")  # a state by slug; a delegate who maintains nothing
    assert (c.state.slug, c.delegate) == ("under-review", None)
    assert header_events(EventCategory.PATCH_STATE_CHANGED) == [
        ("hdr-a@example.org", {"previous_state": "new", "current_state": "accepted",
                               "reason": STATE_REASON}),
        ("hdr-c@example.org", {"previous_state": "new", "current_state": "under-review",
                               "reason": STATE_REASON}),
    ]  # fmt: skip
    assert header_events(EventCategory.PATCH_DELEGATED) == [
        ("hdr-a@example.org", {"previous_delegate": None, "current_delegate": mia.id,
                               "reason": DELEGATE_REASON}),
    ]  # fmt: skip
    # Nothing changed that the actor-less events do not tell.
    assert Event.objects.exclude(actor=None).count() == 0


def test_reparse_keeps_header_states_and_what_people_did_after(ingest_file, people) -> None:
    mia, _ = people
    linux_mm(trusting=True, maintainer=mia)
    ingest_file(HEADERS)
    services.set_patch_state(mia, patch("hdr-a@example.org"), State.objects.get(slug="rejected"))
    before = Event.objects.count()
    report = rebuild_reviews(None)
    assert report.new_patches == 0
    a, c = patch("hdr-a@example.org"), patch("hdr-c@example.org")
    assert (a.state.slug, a.state_origin, a.delegate) == ("rejected", StateOrigin.PERSON, mia)
    assert (c.state.slug, c.state_origin) == ("under-review", StateOrigin.MAIL)
    assert Event.objects.count() == before  # the headers are not applied a second time


def test_switching_trust_on_later_changes_no_existing_patch(ingest_file, people) -> None:
    mia, _ = people
    linux_mm(trusting=False, maintainer=mia)
    ingest_file(HEADERS)
    Project.objects.update(trust_patchwork_headers=True)
    rebuild_reviews(None)
    assert set(Patch.objects.values_list("state__slug", flat=True)) == {"new"}


def test_the_events_page_says_the_header_did_it(ingest_file, people, client) -> None:
    mia, _ = people
    linux_mm(trusting=True, maintainer=mia)
    ingest_file(HEADERS)
    html = client.get("/project/linux-mm/events/").content.decode()
    assert html.count(STATE_REASON) == 2
    assert html.count(DELEGATE_REASON) == 1


def test_a_header_state_is_superseded_like_the_default(ingest_file, people) -> None:
    """The header's state is the mail's (state_origin mail): a newer revision replaces RFC."""
    linux_mm(trusting=True)
    ingest_file(SERIES / "patchwork-state-revision.v1.mbox")
    v1 = patch("hdr-rev-v1@example.org")
    assert (v1.state.slug, v1.state_origin) == ("rfc", StateOrigin.MAIL)
    ingest_file(SERIES / "patchwork-state-revision.v2.mbox")
    v1 = Patch.objects.select_related("state", "state_before").get(id=v1.id)
    assert (v1.state.slug, v1.state_origin, v1.state_before.slug) == (
        "superseded", StateOrigin.AUTO, "rfc",
    )  # fmt: skip
    assert patch("hdr-rev-v2@example.org").state.slug == "new"
    with connection.cursor() as cursor:  # the v2 no longer counts as a later revision
        cursor.execute("UPDATE reviews_series SET previous_id = NULL, lineage_id = NULL")
    assert services.undo_stranded([v1.series_id]) == 1
    assert patch("hdr-rev-v1@example.org").state.slug == "rfc"  # the header's, back
