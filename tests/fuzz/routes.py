# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every route of the URLconf, the parameters its view reads, and hostile values for both.

Routes come from walking the URLconf, so a new route is fuzzed as soon as it
exists; ``PARAMETERS`` says what each one reads from the query string and
the form body (API filters come from their filter sets), and
``test_every_route_states_its_parameters`` fails for a route missing there.
Django's admin is left out: only superusers reach it, and it is Django's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st


@dataclass(frozen=True)
class Params:
    get: tuple[str, ...] = ()
    post: tuple[str, ...] = ()  # form fields, or JSON keys of API writes


_PATCH_LIST = ("q", "state", "submitter", "delegate", "series", "archived", "since", "until",
               "order", "page")  # fmt: skip
_API_READ = ("order", "page", "per_page", "format")
_PATCH_WRITE = ("state", "delegate", "archived", "commit_ref")
_EVENT_FILTERS = ("category", "person", "since", "until", "change", "page")
_BULK_WRITE = ("patch", "scope", "filter", "selection", "confirm", "state", "archived",
               "delegate", "next", "go")  # fmt: skip
_BUNDLE_WRITE = ("name", "patches", "public", "project")

# Route name -> what its view reads besides the path. API list filters are
# added from each view's filter set (see route_params).
PARAMETERS: dict[str, Params] = {
    "home": Params(),
    "patch-list": Params(_PATCH_LIST),
    "patch": Params(),
    "cover": Params(),
    "series": Params(),
    "patch-interdiff": Params(),
    "series-compare": Params(),
    "patch-by-id": Params(),
    "person": Params(("patches", "reviews")),
    "favicon": Params(),
    "patch-mbox": Params(("series",)),
    "patch-raw": Params(),
    "cover-mbox": Params(),
    "series-mbox": Params(("cover",)),
    "bundle-mbox": Params(),
    "profile": Params(),
    "token-regenerate": Params(post=("next",)),
    "project-events": Params(_EVENT_FILTERS),
    "events": Params(("project", *_EVENT_FILTERS)),
    "project-events-atom": Params(),
    "patch-bulk": Params(post=_BULK_WRITE),
    "change": Params(),
    "change-undo": Params(post=("next",)),
    "patch-update": Params(post=(*_PATCH_WRITE, "next")),
    "series-state": Params(post=("state", "selection", "confirm", "next")),
    "bundle-add": Params(post=("patch", "bundle", "name", "public", "next", "go")),
    "bundle": Params(),
    "bundle-remove": Params(post=("patch", "next")),
    "bundle-update": Params(post=("public", "next")),
    "bundle-delete": Params(post=("next",)),
    "archive:search": Params(("q",)),
    "archive:list": Params(("q", "r", "page", "x", "t"), post=("x",)),
    "archive:list-feed": Params(),
    "archive:search-help": Params(),
    "queue": Params(("tab", "page")),
    "project-health": Params(),
    "project-health-json": Params(),
    "notifications-opt-out": Params(),
    "archive:raw": Params(),
    "archive:thread-mbox-gz": Params(),
    "archive:thread-mbox": Params(),
    "archive:thread-flat": Params(),
    "archive:thread-nested": Params(),
    "archive:thread-atom": Params(),
    "archive:message": Params(),
    "archive:message-redirect": Params(),
    "login": Params(("next",), post=("username", "password", "next")),
    "logout": Params(post=("next",)),
    "password_change": Params(post=("old_password", "new_password1", "new_password2")),
    "password_change_done": Params(),
    "password_reset": Params(post=("email",)),
    "password_reset_done": Params(),
    "password_reset_confirm": Params(post=("new_password1", "new_password2")),
    "password_reset_complete": Params(),
    "api-schema": Params(("format", "lang", "version")),
    "api-index": Params(("format",)),
    "api-patch-detail": Params(("format",), post=_PATCH_WRITE),
    "api-check-list": Params(post=("state", "target_url", "context", "description")),
    "api-bundle-list": Params(post=_BUNDLE_WRITE),
    "api-bundle-detail": Params(("format",), post=_BUNDLE_WRITE),
}


@dataclass(frozen=True)
class Route:
    """One URL pattern, its path spelled with ``{name}`` for each parameter."""

    name: str
    template: str
    kinds: dict[str, str]  # parameter -> converter name, or "re:<pattern>" for re_path groups
    callback: Any

    def url(self, values: dict[str, str]) -> str:
        return "/" + self.template.format(**values)


_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<pattern>[^()]*)\)")
_LOOKBEHIND = re.compile(r"\(\?<[!=][^()]*\)")


def _template(pattern: Any, kinds: dict[str, str]) -> str:
    """A pattern's text as a format string; its parameters go into ``kinds``."""
    from django.urls.resolvers import RegexPattern

    text = str(pattern).replace("{", "{{").replace("}", "}}")
    if isinstance(pattern, RegexPattern):

        def group(match: re.Match) -> str:
            kinds[match["name"]] = "re:" + match["pattern"]
            return "{" + match["name"] + "}"

        text = _GROUP.sub(group, _LOOKBEHIND.sub("", text)).removeprefix("^").removesuffix("$")
        return text.replace("\\.", ".")

    def converter(match: re.Match) -> str:
        kinds[match["name"]] = match["kind"] or "str"
        return "{" + match["name"] + "}"

    return _CONVERTER.sub(converter, text)


def _walk(patterns: list, prefix: str, namespace: str, kinds: dict) -> Iterator[Route]:
    from django.urls import URLResolver

    for p in patterns:
        here = dict(kinds)
        template = prefix + _template(p.pattern, here)
        if isinstance(p, URLResolver):
            inner = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, template, inner, here)
        else:
            yield Route(namespace + (p.name or ""), template, here, p.callback)


@cache
def all_routes() -> tuple[Route, ...]:
    """Every route but the admin's, in URLconf order."""
    from django.urls import get_resolver

    routes = _walk(get_resolver().url_patterns, "", "", {})
    return tuple(r for r in routes if not r.name.startswith("admin:"))


def route_params(route: Route) -> Params:
    """What the route reads: its entry in PARAMETERS, plus its API filter set's filters."""
    stated = PARAMETERS.get(route.name, Params())
    view = getattr(route.callback, "view_class", None)
    filterset = getattr(view, "filterset_class", None)
    if filterset is None and not route.name.startswith("api-"):
        return stated
    filters = tuple(filterset.base_filters) if filterset is not None else ()
    reads = _API_READ if filterset is not None else ()
    return Params(tuple(dict.fromkeys((*stated.get, *reads, *filters))), stated.post)


# --- hostile values ------------------------------------------------------------

# Text that broke, or could break, a parser: NUL and other controls, XML's
# forbidden characters and Unicode non-characters, numbers past every range,
# nesting past every stack, dates past every calendar.
HOSTILE_TEXT = (
    "\x00", "a\x00b", "\x01", "\x1b[31m", "\x7f", "\x85", "\ufffe", "\uffff", "\ufdd0",
    "\U0010ffff", "\U0001fffe", "\u202e", "\u200b", "\ufeff",
    "9" * 30, "-1", "0", "-0", "1e309", "NaN", "inf", "\u0661\u0662", "\U0001d7d7", "²",
    "(" * 600 + "x" + ")" * 600, "(" * 600, ")" * 600, "NOT " * 600 + "x", "-" * 600,
    "[" * 600, "{" * 600, '"' * 601, "a:" * 300,
    "d:9999", "d:9999-12-31", "d:1000000.years.ago..", "d:99999999999999999999.seconds.ago",
    "dt:99999999999999..", "d:0000", "9999-12-31", "0000-00-00", "9999-12-31T23:59:59Z",
    "x" * 10_000, "", " ", "*", "--", "%", "..", "/", "//", "\\", "'", "' OR 1=1--",
    "true", "false", "null", "[]", "{}", "received_all", "-received_all", "-id", "?",
)  # fmt: skip
# Percent escapes sent as written: invalid UTF-8, an encoded surrogate, NUL.
RAW_ESCAPES = ("%00", "%FF", "%C0%80", "%ED%A0%80", "%EF%BF%BF", "%", "%zz", "%2F", "%25")

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.lists(st.sampled_from(HOSTILE_TEXT[:14]) | st.text(max_size=5), max_size=6).map("".join),
)
huge_numbers = st.one_of(
    st.integers(0, 20), st.integers(2**31 - 2, 2**31 + 2), st.integers(2**63 - 2, 2**63 + 2),
    st.integers(0, 10**40),
).map(str)  # fmt: skip


def encoded(value: str) -> str:
    return quote(value, safe="")


def encoded_values() -> st.SearchStrategy[str]:
    """A URL-ready value: hostile text percent-encoded, or a raw escape spliced in."""
    text = hostile_text.map(encoded)
    return st.one_of(text, st.sampled_from(RAW_ESCAPES), st.tuples(text, st.sampled_from(
        RAW_ESCAPES), text).map("".join))  # fmt: skip
