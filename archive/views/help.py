# SPDX-License-Identifier: AGPL-3.0-or-later
"""``/<list>/_/text/help/``: the search language, where lore keeps its help."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from archive.views.common import Elsewhere, find_list

# (prefix, example, what it matches), in the order people reach for them.
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("s:", 's:"alarm irq"', "the subject"),
    (
        "f:",
        "f:alexandre.belloni@bootlin.com",
        "the sender: a whole address, a domain or a name word",
    ),
    ("t:", "t:linux-rtc@vger.kernel.org", "the To addresses (whole, domain or name word)"),
    ("c:", "c:bootlin.com", "the Cc addresses"),
    ("tc:", "tc:arnd@arndb.de", "To or Cc"),
    ("a:", "a:linus.walleij", "any address: From, To or Cc"),
    ("tcf:", "tcf:bootlin.com", "To, Cc or From: the same as a:"),
    ("b:", "b:rtc_class_ops", "the whole body: prose, quoted text, diffs and text attachments"),
    ("bs:", "bs:wakealarm", "the subject or the whole body"),
    ("nq:", 'nq:"change-id: 20240101-foo-abc"', "the body's own prose, not quoted lines nor diffs"),
    ("q:", "q:timeout", "quoted lines (those starting with >) of prose"),
    ("dfn:", "dfn:drivers/rtc/rtc-cmos.c", "a file a diff touches: its path or base name"),
    ("dfa:", "dfa:legacy_probe", "a word on a removed (-) line of a diff"),
    ("dfb:", "dfb:devm_rtc_register_device", "a word on an added (+) line of a diff"),
    ("patchid:", "patchid:0123abcd…", "a diff's git patch-id --stable (what b4 asks for)"),
    ("m:", "m:20240110120000.1234-1-jane@example.org", "a Message-ID, with or without <>"),
    ("l:", "l:linux-rtc.vger.kernel.org", "a list, by List-Id or short name"),
    ("d:", "d:20240101..20240201", "the date the mail says it was sent"),
    ("dt:", "dt:20240101083000..20240101120000", "the same, to the second"),
)


@require_safe
def search_help(request: HttpRequest, list_name: str) -> HttpResponse:
    """The same page for every list; its examples search the list it is under."""
    try:
        mlist = find_list(request, list_name)
    except Elsewhere as redirect:  # /_/text/help/ and unknown lists: under /all/
        return redirect.response
    return render(
        request,
        "archive/search_help.html",
        {"list_name": list_name, "mlist": mlist, "prefixes": PREFIXES},
    )
