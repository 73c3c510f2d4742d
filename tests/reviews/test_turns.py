"""Whose turn: the reply heuristics and rules alone, then scenario threads ingested for real."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from reviews.replies import Cue, applied_numbers, read_reply
from reviews.turns import PatchFacts, Reason, Reply, Whose, decide, describe

DATA = Path(__file__).resolve().parent.parent / "data" / "turns"
DAY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("body", "has", "lacks"),
    [
        ("> +int b = 2;\n\nReviewed-by: R <r@x.org>\n", Cue.APPROVAL, Cue.QUESTION),
        ("On Mon, S wrote:\n> +int b;\n\nWhy not 3?\n", Cue.QUESTION, Cue.APPROVAL),
        ("> +int b;\n\nThis needs a comment.\n", Cue.REQUEST, Cue.QUESTION),
        # an answer under a quote, in words no other rule knows
        ("On Mon, S wrote:\n> +int b;\n\nThe old value was fine.\n", Cue.ANSWER, Cue.QUESTION),
        # a closing under a quote answers nothing
        ("> +int b;\n\nThanks,\nRita\n", Cue.NONE, Cue.ANSWER),
        ("Applied, thanks!\n", Cue.APPLIED, Cue.REQUEST),
        ("Thanks, applied to rtc-next.\n", Cue.APPLIED, Cue.QUESTION),
        ("Series applied.\nRob\n", Cue.APPLIED, Cue.QUESTION),
        ("All applied, thanks!\n", Cue.APPLIED, Cue.QUESTION),
        ("Now queued up, thanks.\n", Cue.APPLIED, Cue.QUESTION),
        ("> x\n\nSeems these got lost... Applied, thanks!\n", Cue.APPLIED, Cue.QUESTION),
        ("> x\n\nThanks. I will drop it.\n", Cue.PROMISE, Cue.APPLIED),
        ("> x\n\nI've squashed and applied.\n", Cue.APPLIED, Cue.QUESTION),
        ("Applied all patches in this series except to kunit.\n", Cue.APPLIED, Cue.QUESTION),
        # agreeing under a quote asks for nothing
        ("> Can it go via MFD?\n\nHi,\n\nThat's fine with me.\n", Cue.NONE, Cue.ANSWER),
        ("> x\n\nSounds good. Thanks!\n", Cue.NONE, Cue.ANSWER),
        ("> x\n\nHi,\n\nThat's fine with me.\n\nGreetings,\n-- \nSeb\n", Cue.NONE, Cue.ANSWER),
        ("Applied 2 and 3, thanks!\n\n[2/3] b\n[3/3] c\n", Cue.APPLIED, Cue.QUESTION),
        ("> x\n\nv13 is on its way.\n", Cue.PROMISE, Cue.APPLIED),
        (
            "Hello:\n\nThis series was applied to netdev/net-next.git (main)\n",
            Cue.APPLIED,
            Cue.NONE,
        ),
        (
            "The pull request you sent has been merged into torvalds/linux.git:\n",
            Cue.APPLIED,
            Cue.NONE,
        ),
        ("> x\n\nNAK, this is ABI.\n", Cue.NAK, Cue.APPROVAL),
        ("> x\n\nNacked-by: A Reviewer <a@x.org>\n", Cue.NAK, Cue.APPROVAL),
        ("> Nacked-by: Someone Else <s@x.org>\n\nWhy?\n", Cue.QUESTION, Cue.NAK),
        ("> x\n\nRight, I'll send a v2.\n", Cue.PROMISE, Cue.APPLIED),
        ("Thanks for this!\n", Cue.NONE, Cue.ANSWER | Cue.REQUEST | Cue.QUESTION),
        # quoted questions and links with "?" are the other person's, not the sender's
        (
            "> Why?\n> https://x.org/?a=1\n\nSee https://lore.kernel.org/?q=b\n",
            Cue.ANSWER,
            Cue.QUESTION,
        ),
        # "cannot be applied" is no news that it was applied
        ("> x\n\nThis cannot be applied on rtc-next.\n", Cue.ANSWER, Cue.APPLIED),
    ],
)
def test_reply_cues(body, has, lacks):
    cues = read_reply(body)
    assert cues & has == has
    assert not cues & lacks


def test_a_thank_you_lists_what_it_applied():
    body = "> x\n\nApplied, thanks!\n\n[1/3] rtc: one\n      commit: 0123abc\n[3/3] rtc: three\n"
    assert applied_numbers(body) == {1, 3}
    assert applied_numbers("Applied, thanks!\n") == frozenset()
    listed = (2, False, Cue.APPLIED)
    for number, whose in ((1, Whose.NOBODY), (2, Whose.MAINTAINER), (None, Whose.NOBODY)):
        facts = _facts(listed, number=number)
        applied = replace(facts, replies=[replace(facts.replies[0], applied_to=frozenset({1, 3}))])
        assert decide(applied).whose is whose


def _facts(*replies: tuple[int, bool, Cue], **kw) -> PatchFacts:
    base = dict(date=DAY, state="new", action_required=True, archived=False, replaced=False,
                state_changed=None)  # fmt: skip
    base.update(kw)
    return PatchFacts(
        **base,  # type: ignore[arg-type]
        replies=[Reply(DAY + dt.timedelta(days=d), mine, cues) for d, mine, cues in replies],
    )


def test_rules_follow_the_conversation():
    assert decide(_facts()).reason is Reason.NO_REPLY
    asked = (2, False, Cue.ANSWER | Cue.QUESTION)
    turn = decide(_facts(asked))
    assert (turn.whose, turn.reason, turn.since) == (
        Whose.SUBMITTER, Reason.QUESTION, DAY + dt.timedelta(days=2)
    )  # fmt: skip
    answered = decide(_facts(asked, (4, True, Cue.ANSWER)))
    assert (answered.whose, answered.reason) == (Whose.MAINTAINER, Reason.ANSWERED)
    # a second request while the first waits keeps the wait's start
    again = decide(_facts(asked, (3, False, Cue.ANSWER | Cue.QUESTION)))
    assert again.since == DAY + dt.timedelta(days=2)
    # the submitter pinging while it is the maintainer's turn changes nothing
    ping = decide(_facts((5, True, Cue.QUESTION)))
    assert (ping.reason, ping.since) == (Reason.NO_REPLY, DAY)
    # review trailers the patch carries, with nobody replying
    assert decide(_facts(approvals=2)).reason is Reason.REVIEWED
    # a maintainer applying their own patch
    assert decide(_facts((2, True, Cue.APPLIED))).reason is Reason.APPLIED
    # applied stays applied, whatever thanks follow
    assert decide(_facts((2, False, Cue.APPLIED), (3, True, Cue.PROMISE))).whose is Whose.NOBODY


def test_states_come_before_mail():
    asked = (2, False, Cue.ANSWER)
    assert decide(_facts(asked, state="accepted", action_required=False)).reason is Reason.CLOSED
    assert decide(_facts(asked, archived=True)).reason is Reason.ARCHIVED
    requested = decide(_facts(state="changes-requested", action_required=False))
    assert (requested.whose, requested.reason) == (Whose.SUBMITTER, Reason.CHANGES_REQUESTED)
    assert decide(_facts(replaced=True)).reason is Reason.REPLACED
    # RFC is not "action required" by default, but the mail still decides
    assert decide(_facts(state="rfc", action_required=False)).reason is Reason.NO_REPLY


def test_describe_in_words():
    assert (
        describe("reviewed", reviewed=2, days=12, viewer_is=Whose.MAINTAINER)
        == "2 Reviewed-by, waiting for you 12 days"
    )
    assert describe("reviewed", reviewed=1, acked=1, days=1) == (
        "1 Reviewed-by, 1 Acked-by, waiting for the maintainer 1 day"
    )
    assert describe("question", days=0) == (
        "A reviewer asked a question, waiting for the submitter since today"
    )
    assert describe("applied", days=30) == "A reply says it was applied"


# Scenario threads, ingested: (file, patch Message-ID, whose, reason, words at 2024-01-20)
SCENARIOS = [
    ("no-reply", "p@x", "maintainer", "Nobody has replied yet, waiting for the maintainer 19 days"),
    ("reviewed", "p@x", "maintainer", "1 Reviewed-by, waiting for the maintainer 17 days"),
    ("question", "p@x", "submitter",
     "A reviewer asked a question, waiting for the submitter 17 days"),
    ("changes-asked", "p@x", "submitter",
     "A reviewer asked for changes, waiting for the submitter 17 days"),
    ("nak", "p@x", "submitter", "A reviewer asked for changes, waiting for the submitter 18 days"),
    ("answered", "p@x", "maintainer", "The submitter answered, waiting for the maintainer 16 days"),
    ("revision-expected", "p@x", "submitter",
     "A new revision is expected, waiting for the submitter 15 days"),
    ("applied", "p@x", "nobody", "A reply says it was applied"),
    ("thanks-only", "p@x", "maintainer",
     "Replied to, nothing asked, waiting for the maintainer 18 days"),
    ("cover-reviewed", "p2@x", "maintainer", "1 Reviewed-by, waiting for the maintainer 12 days"),
    ("series-mixed", "p1@x", "maintainer", "1 Acked-by, waiting for the maintainer 18 days"),
    ("series-mixed", "p2@x", "submitter",
     "A reviewer asked a question, waiting for the submitter 17 days"),
    ("v2-carries-review", "p@x", "nobody", "Decided"),
    ("applied-in-part", "p1@x", "nobody", "A reply says it was applied"),
    ("applied-in-part", "p2@x", "maintainer",
     "Replied to, nothing asked, waiting for the maintainer 15 days"),
    ("v2-carries-review", "v2@x", "maintainer",
     "1 Reviewed-by, waiting for the maintainer 11 days"),
]  # fmt: skip
NOW = dt.datetime(2024, 1, 20, 10, tzinfo=dt.UTC)


def _words(row) -> str:
    days = (NOW - row.waiting_since).days if row.waiting_since else None
    return describe(row.turn_reason, acked=row.acked, reviewed=row.reviewed, days=days)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "msgid", "whose", "words"), SCENARIOS)
def test_scenario_threads(ingest_file, name, msgid, whose, words):
    from reviews.models import Patch

    ingest_file(DATA / f"{name}.mbox")
    patch = Patch.objects.get(message__msgid=msgid)
    assert (patch.turn, _words(patch)) == (whose, words)


@pytest.mark.django_db
def test_series_turns_and_counts(ingest_file):
    from reviews.models import Patch, Series

    ingest_file(DATA / "series-mixed.mbox")
    series = Series.objects.get()
    assert (series.turn, series.turn_reason) == ("submitter", "question")
    assert (series.replies, series.acked) == (2, 0)  # patch 2 has no Acked-by
    assert series.waiting_since == dt.datetime(2024, 1, 3, 10, tzinfo=dt.UTC)
    assert series.last_activity == series.waiting_since
    p1 = Patch.objects.get(message__msgid="p1@x")
    assert (p1.replies, p1.first_reply) == (1, dt.datetime(2024, 1, 2, 10, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_a_cover_letters_review_speaks_for_the_series(ingest_file):
    from reviews.models import Series

    ingest_file(DATA / "cover-reviewed.mbox")
    series = Series.objects.get()
    assert (series.turn, series.turn_reason, series.reviewed, series.replies) == (
        "maintainer", "reviewed", 1, 1
    )  # fmt: skip


@pytest.mark.django_db
def test_state_changes_move_the_turn(ingest_file):
    from django.contrib.auth import get_user_model

    from reviews import services
    from reviews.models import Patch, Project
    from reviews.states import state

    ingest_file(DATA / "reviewed.mbox")
    user = get_user_model().objects.create(username="mo")
    Project.objects.get().maintainers.add(user)
    patch = Patch.objects.get()
    services.set_patch_state(user, patch, state("changes-requested"))
    patch.refresh_from_db()
    assert (patch.turn, patch.turn_reason) == ("submitter", "changes-requested")
    assert patch.series.__class__.objects.get(id=patch.series_id).turn == "submitter"
    services.set_patch_state(user, patch, state("new"))
    patch.refresh_from_db()
    assert (patch.turn, patch.turn_reason) == ("maintainer", "reviewed")
    services.set_patch_archived(user, patch, True)
    patch.refresh_from_db()
    assert (patch.turn, patch.turn_reason) == ("nobody", "archived")


@pytest.mark.django_db
def test_a_reply_arriving_later_moves_the_turn(ingest_file, tmp_path):
    from reviews.models import Patch

    thread = (DATA / "answered.mbox").read_text()
    mails = thread.split("\nFrom ")
    first = tmp_path / "first.mbox"
    first.write_text(mails[0] + "\n")
    ingest_file(first)
    assert Patch.objects.get().turn_reason == "no-reply"
    rest = tmp_path / "rest.mbox"
    rest.write_text("From " + "\nFrom ".join(mails[1:]))
    ingest_file(rest)
    assert Patch.objects.get().turn_reason == "answered"


@pytest.mark.django_db
def test_reparse_rebuilds_turns(ingest_file):
    from django.db import connection

    from reviews.models import Patch
    from reviews.rebuild import rebuild_reviews

    ingest_file(DATA / "question.mbox")
    with connection.cursor() as cursor:  # as a migration leaves existing rows
        cursor.execute("UPDATE reviews_patch SET turn = 'maintainer', turn_reason = 'no-reply'")
        cursor.execute("UPDATE reviews_comment SET cues = NULL")
    rebuild_reviews(None)
    assert Patch.objects.get().turn_reason == "question"


@pytest.mark.parametrize(
    ("body", "cue"),
    [
        ("> x\n\nAPPLIED TO RTC-NEXT, THANKS\n", Cue.APPLIED),
        ("> x\n\nThis Series Was Merged Into torvalds/linux.git\n", Cue.APPLIED),
        ("> x\n\nI'LL Send A V2.\n", Cue.PROMISE),
        ("> x\n\nPlease Drop This.\n", Cue.REQUEST),
        ("> x\n\nNAK\n", Cue.NAK),
        # not ASCII: read case-blind as written ("ſ" is a long s to the cue, not to str.lower)
        ("> x\n\nThiſ series was applied to rtc-next. Grüße\n", Cue.APPLIED),
        ("> x\n\nPleaſe — see the log\n", Cue.REQUEST),
        ("> x\n\nI'll ſend a v2 — soon\n", Cue.PROMISE),
    ],
)
def test_cues_are_read_in_any_case(body, cue):
    """Cues match case-blind, from lowered text when ASCII, as written otherwise."""
    assert read_reply(body) & cue == cue
