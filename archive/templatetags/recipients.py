# SPDX-License-Identifier: AGPL-3.0-or-later
"""``{% with r=message|recipients %}``: how a message's To and Cc are shown.

Kernel mail often carries twenty or more addresses in To and Cc; shown whole
they fill a phone's first screen before the mail starts. Past a few they are
folded behind a one-line summary naming the first ones.
"""

from __future__ import annotations

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
    addresses = [(name or address) for name, address in getaddresses([to, cc]) if name or address]
    return Recipients(len(addresses), ", ".join(addresses[:NAMED]), max(len(addresses) - NAMED, 0))
