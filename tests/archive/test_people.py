"""One person behind several addresses: the mailmap reader, the merge service,
the ``mailmap`` command, the admin's actions, and merges outliving reparse (#19)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from archive.mailmap import MailmapEntry, MailmapError, parse_mailmap, same_name
from tests.conftest import DATA

PEOPLE = DATA / "people"
BOOTLIN = "alexandre.belloni@bootlin.com"
FREE = "alexandre.belloni@free-electrons.com"
LATER = "alexandre.belloni@example.com"


# --- the format, read purely -------------------------------------------------


def test_mailmap_forms_comments_and_case() -> None:
    text = """# a comment line
Proper Name <Proper@Example.org>
<proper@example.org> <OLD@example.org>
Proper Name <proper@example.org> <older@example.org>   # trailing comment
Proper Name <proper@example.org> Old Name <oldest@example.org>

"""
    assert parse_mailmap(text) == [
        MailmapEntry(2, "Proper Name", "proper@example.org"),
        MailmapEntry(3, "", "proper@example.org", "", "old@example.org"),
        MailmapEntry(4, "Proper Name", "proper@example.org", "", "older@example.org"),
        MailmapEntry(5, "Proper Name", "proper@example.org", "Old Name", "oldest@example.org"),
    ]
    assert [e.merges for e in parse_mailmap(text)] == [False, True, True, True]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Just A Name", "line 1: no address"),
        ("Name <not-an-address>", "line 1: no address"),
        ("Name <a@example.org> trailing words", "line 1: unexpected text"),
        ("Name <a@example.org> <no-at-sign>", "line 1: the second address"),
    ],
)
def test_mailmap_bad_lines_say_which_and_why(line: str, why: str) -> None:
    with pytest.raises(MailmapError, match=why):
        parse_mailmap(line)


def test_same_name_folds_case_spaces_quotes_and_accepts_blank() -> None:
    assert same_name("Alexandre Belloni", ' "alexandre  BELLONI" ')
    assert same_name("Uwe Kleine-König", "Uwe Kleine-Ko\u0308nig")  # NFC vs NFD
    assert same_name("", "Anyone")
    assert not same_name("A. Belloni", "Alexandre Belloni")


# --- the service ---------------------------------------------------------------


@pytest.fixture
def rtc(ingest_file):
    ingest_file(PEOPLE / "two-addresses.mbox")


def _person(email: str):
    from archive.models import Person

    return Person.objects.get(email=email)


def test_merge_needs_matching_names_unless_forced(rtc) -> None:
    from archive.models import AliasOrigin
    from archive.people import merge_people

    bootlin, free, other = _person(BOOTLIN), _person(FREE), _person("ab@example.net")
    result = merge_people(bootlin, [free, other], origin=AliasOrigin.ADMIN)
    assert [p.email for p in result.merged] == [FREE]
    assert [p.email for p, _ in result.refused] == ["ab@example.net"]
    assert "named 'A. Belloni', not 'Alexandre Belloni'" in result.refused[0][1]
    assert _person(FREE).canonical_id == bootlin.id
    assert _person(FREE).alias_origin == "admin"
    assert _person("ab@example.net").canonical_id is None

    merge_people(bootlin, [other], origin=AliasOrigin.ADMIN, force=True)
    assert _person("ab@example.net").canonical_id == bootlin.id


def test_merging_into_an_alias_makes_it_the_shown_one_without_chains(rtc) -> None:
    from archive.models import Person
    from archive.people import merge_people, unmerge_people

    bootlin, free = _person(BOOTLIN), _person(FREE)
    third = Person.objects.create(name="Alexandre Belloni", email=LATER)
    merge_people(bootlin, [free, third], origin="admin")
    # Now show the free-electrons address: everyone follows, nobody points to an alias.
    merge_people(_person(FREE), [bootlin], origin="admin")
    rows = {p.email: p.canonical_id for p in Person.objects.same_person_as(third.id)}
    assert rows == {FREE: None, BOOTLIN: free.id, LATER: free.id}
    assert not Person.objects.filter(canonical__canonical__isnull=False).exists()

    # Unmerging an alias frees it alone; unmerging the shown one frees them all.
    assert unmerge_people([_person(LATER)]) == 1
    assert _person(LATER).canonical_id is None and _person(BOOTLIN).canonical_id == free.id
    assert unmerge_people([_person(FREE)]) == 1
    assert not Person.objects.filter(canonical__isnull=False).exists()


def test_a_person_is_never_its_own_alias(rtc) -> None:
    from django.db import IntegrityError, transaction

    from archive.models import Person

    bootlin = _person(BOOTLIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=bootlin.pk).update(canonical=bootlin)


# --- the command -----------------------------------------------------------------


def _mailmap(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("mailmap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_mailmap_command_merges_and_the_next_mail_lands_merged(rtc, ingest_file) -> None:
    out, _ = _mailmap(str(PEOPLE / "linux-rtc.mailmap"))
    assert f"merged   {FREE} -> {BOOTLIN}" in out
    assert f"merged   {LATER} -> {BOOTLIN}" in out
    assert "2 entries: 2 addresses merged" in out
    assert _person(FREE).canonical_id == _person(BOOTLIN).id
    # An address named before any mail from it: its mail arrives already merged.
    ingest_file(PEOPLE / "third-address.later.mbox")
    later = _person(LATER)
    assert later.canonical_id == _person(BOOTLIN).id
    assert later.name == "Alexandre Belloni"  # filled in by the mail
    assert later.messages.count() == 1

    again, _ = _mailmap(str(PEOPLE / "linux-rtc.mailmap"))
    assert "0 addresses merged" in again  # running it twice changes nothing
    exported, _ = _mailmap("--export")
    assert exported.splitlines() == [
        f"Alexandre Belloni <{BOOTLIN}> <{LATER}>",
        f"Alexandre Belloni <{BOOTLIN}> <{FREE}>",
    ]


def test_mailmap_command_dry_run_names_prune_and_errors(rtc, tmp_path, settings) -> None:
    names_differ = tmp_path / "differ.mailmap"
    names_differ.write_text(f"<{BOOTLIN}> <ab@example.net>\n")
    out, err = _mailmap(str(names_differ), "--dry-run")
    assert "left apart: line 1: ab@example.net is named 'A. Belloni'" in err
    assert "(names differ; --force merges them)" in out

    _mailmap(str(PEOPLE / "linux-rtc.mailmap"), "--dry-run")
    assert _person(FREE).canonical_id is None  # the dry run changed nothing

    settings.THREADWORK_MAILMAP = str(PEOPLE / "linux-rtc.mailmap")
    _mailmap()  # the file the setting names
    assert _person(FREE).canonical_id == _person(BOOTLIN).id
    only_free = tmp_path / "only-free.mailmap"
    only_free.write_text(f"Alexandre Belloni <{BOOTLIN}> <{FREE}>\n")
    out, _ = _mailmap(str(only_free), "--prune")
    assert f"unmerged {LATER}" in out and _person(LATER).canonical_id is None

    bad = tmp_path / "bad.mailmap"
    bad.write_text("no address here\n")
    with pytest.raises(CommandError, match="Not a mailmap file: line 1: no address"):
        _mailmap(str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        _mailmap(str(tmp_path / "missing"))


def test_mailmap_proper_name_renames_and_old_name_must_match(rtc, tmp_path) -> None:
    from archive.models import Person

    mailmap = tmp_path / "names.mailmap"
    mailmap.write_text(
        f"Other Dev <other@example.org>\n"
        f"Never Seen <never@example.org>\n"
        f"Alexandre Belloni <{BOOTLIN}> A. Belloni <ab@example.net>\n"
        f"Alexandre Belloni <{BOOTLIN}> Someone Else <{FREE}>\n"
    )
    out, err = _mailmap(str(mailmap))
    assert _person("other@example.org").name == "Other Dev"
    assert "named    other@example.org: 'Other Developer' -> 'Other Dev'" in out
    # A name for an address that never wrote makes no person.
    assert not Person.objects.filter(email="never@example.org").exists()
    # The line names the old name: that is the file saying the names belong together.
    assert _person("ab@example.net").canonical_id == _person(BOOTLIN).id
    assert f"line 4: {FREE} is 'Alexandre Belloni' here, not 'Someone Else'" in err
    assert _person(FREE).canonical_id is None


# --- reparse and the admin ---------------------------------------------------------


def test_reparse_keeps_merges(rtc) -> None:
    from archive.people import merge_people

    merge_people(_person(BOOTLIN), [_person(FREE)], origin="mailmap")
    call_command("reparse", stdout=io.StringIO())
    assert _person(FREE).canonical_id == _person(BOOTLIN).id
    assert _person(FREE).alias_origin == "mailmap"


def test_admin_merges_and_unmerges_through_the_service(rtc, admin_client) -> None:
    from archive.models import Person

    ids = [_person(BOOTLIN).id, _person(FREE).id, _person("ab@example.net").id]
    url = "/admin/archive/person/"
    response = admin_client.post(url, {"action": "merge", "_selected_action": ids}, follow=True)
    text = response.content.decode()
    # The address mail came from last is the one shown.
    assert f"Merged {FREE} into Alexandre Belloni &lt;{BOOTLIN}&gt;." in text
    assert "Not merged: ab@example.net is named" in text
    assert _person(FREE).canonical_id == _person(BOOTLIN).id

    history = admin_client.get(f"{url}{_person(FREE).id}/history/").content.decode()
    assert f"Merged into {BOOTLIN}." in history

    shared = admin_client.get(url + "?shared=yes").content.decode()
    assert FREE in shared and "other@example.org" not in shared
    page = admin_client.get(f"{url}{_person(BOOTLIN).id}/change/").content.decode()
    assert FREE in page  # its other addresses

    admin_client.post(url, {"action": "unmerge", "_selected_action": [ids[0]]})
    assert not Person.objects.filter(canonical__isnull=False).exists()
