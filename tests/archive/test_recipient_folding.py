# SPDX-License-Identifier: AGPL-3.0-or-later
"""The To/Cc fold's own address reading gives the email package's answer, or none."""

from __future__ import annotations

from email.utils import getaddresses

import pytest

from archive.templatetags.recipients import _plain_names

HEADERS = [
    "Alexandre Belloni <alexandre.belloni@bootlin.com>, linux-rtc@vger.kernel.org",
    '"Rafael J. Wysocki" <rafael@kernel.org>, "open list:GPIO SUBSYSTEM" <gpio@example.org>',
    "Andreas Färber <afaerber@suse.de>,  <linux-clk@vger.kernel.org>, ,",
    'Two  Spaces <a.b@c-d.example>, "" <empty@example.org>',
    '"Last, First" <lf@example.org>',  # a comma inside quotes
    "Russell King (Oracle) <linux@armlinux.org.uk>",  # a comment
    "J. Random Hacker <jrh@example.org>",  # a dot in an unquoted name
    "undisclosed-recipients:;",
    '"a \\"quoted\\" name" <q@example.org>',
    "name\u00a0with nbsp <n@example.org>",
]


@pytest.mark.parametrize("header", HEADERS)
def test_fast_reading_agrees_with_the_email_package_or_declines(header: str) -> None:
    expected = [(name or address) for name, address in getaddresses([header]) if name or address]
    got = _plain_names(header)
    assert got is None or got == expected


def test_common_kernel_lists_take_the_fast_reading() -> None:
    assert _plain_names(HEADERS[0]) == ["Alexandre Belloni", "linux-rtc@vger.kernel.org"]
    assert _plain_names(HEADERS[1]) == ["Rafael J. Wysocki", "open list:GPIO SUBSYSTEM"]
    assert _plain_names(HEADERS[3]) == ["Two Spaces", "empty@example.org"]
    assert _plain_names(HEADERS[4]) is None
    assert _plain_names(HEADERS[5]) is None
