# SPDX-License-Identifier: AGPL-3.0-or-later
"""``{% with r=message|recipients %}``: how a message's To and Cc are shown.

Kernel mail often carries twenty or more addresses in To and Cc; shown whole
they fill a phone's first screen before the mail starts. Past a few they are
folded behind a one-line summary naming the first ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses
from functools import lru_cache
from typing import Any

from django import template

register = template.Library()

# Up to this many addresses in To and Cc together are shown unfolded.
FOLD_AFTER = 3
NAMED = 2


@dataclass(frozen=True)
class Recipients:
    count: int
    first: str  # the first addresses' names, for the folded line
    more: int  # how many the folded line does not name

    @property
    def folded(self) -> bool:
        return self.count > FOLD_AFTER


@register.filter
def recipients(message: Any) -> Recipients:
    return _folded(message.to or "", message.cc or "")


# The same To and Cc recur through a thread and a list, and the email package's
# address parser costs ~1.7 ms for a kernel-sized list: parse each pair once.
@lru_cache(maxsize=4096)
def _folded(to: str, cc: str) -> Recipients:
    addresses = _plain_names(f"{to},{cc}")
    if addresses is None:
        addresses = [(n or address) for n, address in getaddresses([to, cc]) if n or address]
    return Recipients(len(addresses), ", ".join(addresses[:NAMED]), max(len(addresses) - NAMED, 0))


# Most kernel To/Cc lists are only ``Name <local@domain>``, ``"Quoted name"
# <local@domain>`` and bare addresses: for those the email package's answer is
# the name (its words single-spaced; a quoted one as it is) or the address,
# read here at a tenth of the cost. Anything else (comments, groups, dots or
# other specials in an unquoted name, unusual spaces) goes to the email package.
_ADDRESS = r"[A-Za-z0-9_+=-]+(?:\.[A-Za-z0-9_+=-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_WORD = r'[^\x00-\x20\x7f"(),.:;<>@\[\]\\\s]+'
_PART = re.compile(
    rf'\s*(?:(?:"([^"\\\r\n]*)"|({_WORD}(?: +{_WORD})*))? *<({_ADDRESS})>|({_ADDRESS}))\s*'
)


def _plain_names(header: str) -> list[str] | None:
    names = []
    for part in header.split(","):
        if not part or part.isspace():
            # Empty entries: the email package reads such a list differently
            # from one Python to the next (3.13 rejects it whole), so it decides.
            return None
        found = _PART.fullmatch(part)
        if found is None:
            return None
        quoted, name, named, bare = found.groups()
        if quoted:
            names.append(quoted)
        elif name:
            names.append(" ".join(name.split()))  # words only: no other spaces
        else:
            names.append(named or bare)
    return names
