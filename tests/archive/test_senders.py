# SPDX-License-Identifier: AGPL-3.0-or-later
"""A From header becomes an address only when it parses to one; otherwise it is only a name.

A malformed header used to be stored whole as an address (and so as a
Person): ``Eve Evil eve@example.org``, or ``a@b@c``. The raw header stays in
the message's headers and its raw bytes either way.
"""

from __future__ import annotations

import pytest
from django.test import Client

from archive.models import Message, Person
from archive.parsing import header_text, is_address, parse_message
from tests.conftest import DATA

PARSING = DATA / "parsing"
# Scenario file -> (name, address) as parsed.
SENDERS = {
    "from-address-without-brackets.eml": ("Eve Evil eve@example.org", ""),
    "from-two-at-signs.eml": ("eve@example.org@evil.example.org", ""),
    "from-markup-as-address.eml": ("<script>alert(1)</script>@evil.example.org", ""),
    "from-control-character-in-address.eml": ("Eve", ""),
    "from-address-too-long.eml": ("Eve", ""),
    # Unambiguous despite the missing ">": the address is taken.
    "from-unclosed-bracket.eml": ("Eve Lovelace", "eve@example.org"),
}


@pytest.mark.parametrize("name", SENDERS)
def test_sender_is_an_address_only_when_it_parses(name: str) -> None:
    parsed = parse_message((PARSING / name).read_bytes())
    assert (parsed.from_name, parsed.from_email) == SENDERS[name]


def test_what_counts_as_an_address() -> None:
    good = ("jane@example.org", "root@localhost", "ünï@exämple.org", "e\ufffdve@example.org")
    bad = ("", "jane", "@example.org", "jane@", "a@b@c", "jane doe@example.org",
           "<jane@example.org>", "jane@exa mple.org", "j\x01ane@example.org",
           "x" * 250 + "@example.org", '"jane"@example.org', "jane@example.org,")  # fmt: skip
    assert all(is_address(value) for value in good)
    assert not any(is_address(value) for value in bad)


@pytest.mark.django_db
def test_no_person_for_a_malformed_sender_and_the_raw_header_kept(ingest_file) -> None:
    import email

    for name in SENDERS:
        summary = ingest_file(PARSING / name)
        assert (summary.new, summary.quarantined) == (1, 0), name
    assert list(Person.objects.values_list("email", flat=True)) == ["eve@example.org"]
    client = Client()
    for name, (_name, address) in SENDERS.items():
        raw = (PARSING / name).read_bytes()
        message = Message.objects.real().get(msgid=f"{name.removesuffix('.eml')}@example.org")
        assert (message.author.email if message.author else "") == address, name
        # The header as sent, in the stored headers and in the raw mail.
        from_header = header_text(email.message_from_bytes(raw), "From")
        assert ["From", from_header] in message.headers, name
        assert client.get(f"/all/{message.msgid}/raw").content == raw
        assert client.get(f"/all/{message.msgid}/").status_code == 200
    # The name (the whole header when nothing parsed) is still searched.
    found = client.get("/all/", {"q": "evil"}).content.decode()
    assert "sender from-address-without-brackets" in found
