# SPDX-License-Identifier: AGPL-3.0-or-later
"""public-inbox's search language, parsed purely and compiled to PostgreSQL.

``parse_query`` turns ``s:"rtc fix" AND f:jane@example.org NOT d:..2.weeks.ago``
into a small tree; ``compile_query`` turns the tree into one SQL condition on
``archive_message``. Full-text prefixes become weighted ``to_tsquery`` terms
(A subject, B unquoted body, C quoted body, D addresses), exact prefixes
become ``prefix:value`` lexemes (see :mod:`archive.searchterms`); both are
answered by the GIN index on ``Message.search``. ``d:`` uses the date index,
``m:`` the Message-ID index, ``l:`` the list tables. Nothing is scanned in Python.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["And", "Not", "Or", "QueryError", "Term", "compile_query", "parse_query"]

# Full-text prefixes and the weights they search.
TEXT_WEIGHTS = {"s": "A", "b": "BC", "bs": "ABC", "nq": "B", "q": "C", "": ""}
LEXEME_PREFIXES = {"f", "t", "c", "a", "dfn", "dfa", "dfb", "patchid"}
OTHER_PREFIXES = {"d", "dt", "m", "l"}
PREFIXES = set(TEXT_WEIGHTS) | LEXEME_PREFIXES | OTHER_PREFIXES
KEYWORDS = {"AND", "OR", "NOT"}


class QueryError(ValueError):
    """The query cannot be understood; the message is shown to the user."""


@dataclass(frozen=True)
class Term:
    prefix: str  # "" for bare words
    text: str
    phrase: bool = False  # written in double quotes
    wildcard: bool = False  # ends with "*"


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | And | Or | Not

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<neg>-(?=[\w"]))?
        (?:(?P<prefix>[a-z]+):)?
        (?:"(?P<quoted>[^"]*)"?|(?P<word>[^\s()"]+))
    )""",
    re.X,
)


def parse_query(text: str) -> Node:
    """Parse a query; raises :class:`QueryError` on an empty or unbalanced one."""
    parser = _Parser(_tokens(text))
    node = parser.parse_or()
    if parser.peek() is not None:
        raise QueryError("unbalanced parentheses")
    if node is None:
        raise QueryError("empty query")
    return node


def _tokens(text: str) -> list[object]:
    tokens: list[object] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"cannot read the query near {text[pos : pos + 20]!r}")
        pos = match.end()
        if match["open"] or match["close"]:
            tokens.append(match["open"] or match["close"])
            continue
        prefix = match["prefix"] or ""
        if prefix not in PREFIXES:  # "http://x" or "foo:bar": a plain word
            word = f"{prefix}:{match['word'] or match['quoted'] or ''}"
            term = Term("", word)
        elif match["quoted"] is not None:
            term = Term(prefix, match["quoted"], phrase=True)
        else:
            word = match["word"]
            if not prefix and word in KEYWORDS:
                tokens.append(word)
                continue
            star = word.endswith("*") and len(word) > 1
            term = Term(prefix, word.rstrip("*") if star else word, wildcard=star)
        tokens.append(Not(term) if match["neg"] else term)
    return tokens


class _Parser:
    """Recursive descent: OR binds loosest, then AND (explicit or implied), then NOT."""

    def __init__(self, tokens: list[object]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> object | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> object:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse_or(self) -> Node | None:
        children = [c for c in [self.parse_and()] if c is not None]
        while self.peek() == "OR":
            self.take()
            child = self.parse_and()
            if child is not None:
                children.append(child)
        return _combine(Or, children)

    def parse_and(self) -> Node | None:
        children: list[Node] = []
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.take()
                continue
            child = self.parse_unary()
            if child is not None:
                children.append(child)
        return _combine(And, children)

    def parse_unary(self) -> Node | None:
        token = self.take()
        if token == "NOT":
            if self.peek() in (None, ")", "OR", "AND"):
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        if token == "(":
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses")
            self.take()
            return inner
        if token == ")":
            raise QueryError("unbalanced parentheses")
        return token  # type: ignore[return-value]


def _combine(kind: type[And] | type[Or], children: list[Node]) -> Node | None:
    if not children:
        return None
    return children[0] if len(children) == 1 else kind(tuple(children))


# --- dates ---------------------------------------------------------------

_UNITS = {
    "second": timedelta(seconds=1), "minute": timedelta(minutes=1), "hour": timedelta(hours=1),
    "day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30),
    "year": timedelta(days=365),
}  # fmt: skip
_RELATIVE_RE = re.compile(r"(\d+)\.?([a-z]+?)s?\.ago")
_DATE_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d", "%Y-%m-%d", "%Y%m", "%Y")


def parse_date_range(text: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """``20240101..20240201`` -> [start, end) in UTC; either side may be open.

    A day named as the end is included whole; a single date means that day.
    """
    if ".." not in text:
        start = _parse_date(text, now)
        return start, _end_of(text, start)
    low, high = text.split("..", 1)
    start = _parse_date(low, now) if low else None
    end = _end_of(high, _parse_date(high, now)) if high else None
    return start, end


def _end_of(text: str, instant: datetime) -> datetime:
    digits = text.replace("-", "")
    if _RELATIVE_RE.fullmatch(text) or text in ("now", "today") or len(digits) > 8:
        return instant
    if len(digits) == 4:
        return instant.replace(year=instant.year + 1)
    if len(digits) == 6:
        return (instant + timedelta(days=32)).replace(day=1)
    return instant + timedelta(days=1)


def _parse_date(text: str, now: datetime) -> datetime:
    text = text.strip().lower()
    if text in ("now", "today"):
        return now if text == "now" else now.replace(hour=0, minute=0, second=0, microsecond=0)
    if text == "yesterday":
        return now - timedelta(days=1)
    relative = _RELATIVE_RE.fullmatch(text)
    if relative and relative[2] in _UNITS:
        return now - int(relative[1]) * _UNITS[relative[2]]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise QueryError(f"cannot read the date {text!r}")


# --- compiling -----------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A SQL condition on ``archive_message`` and the tsqueries to rank and highlight by."""

    where: str
    params: tuple[object, ...]
    rank_query: str | None  # SQL tsquery expression, or None without text terms
    rank_params: tuple[object, ...] = ()
    headline_query: str | None = None  # full-text terms only: exact lexemes never highlight
    headline_params: tuple[object, ...] = ()
    # A word the snippet should be centred on (the first full-text word), lower case.
    headline_word: str = ""


@dataclass(frozen=True)
class _Frag:
    sql: str
    params: tuple[object, ...]
    is_tsquery: bool  # sql is a tsquery expression rather than a condition


_VECTOR = '"archive_message"."search"'


def compile_query(node: Node, now: datetime | None = None) -> Compiled:
    now = now or datetime.now(UTC)
    where = _condition(_compile(node, now))
    rank = _positive(node, now, TEXT_WEIGHTS.keys() | LEXEME_PREFIXES)
    headline = _positive(node, now, TEXT_WEIGHTS.keys())
    return Compiled(
        where.sql,
        where.params,
        rank.sql if rank else None,
        rank.params if rank else (),
        headline.sql if headline else None,
        headline.params if headline else (),
        _first_text_word(node),
    )


def _first_text_word(node: Node) -> str:
    if isinstance(node, Term):
        words = node.text.split() if node.prefix in TEXT_WEIGHTS else []
        return words[0].lower() if words else ""
    if isinstance(node, Not):
        return ""
    return next((w for w in map(_first_text_word, node.children) if w), "")


def _condition(frag: _Frag) -> _Frag:
    if frag.is_tsquery:
        return _Frag(f"({_VECTOR} @@ {frag.sql})", frag.params, False)
    return frag


def _compile(node: Node, now: datetime) -> _Frag:
    if isinstance(node, Term):
        return _term(node, now)
    if isinstance(node, Not):
        child = _compile(node.child, now)
        if child.is_tsquery:
            return _Frag(f"(!! {child.sql})", child.params, True)
        return _Frag(f"(NOT {child.sql})", child.params, False)
    parts = [_compile(c, now) for c in node.children]
    ts_op, sql_op = ("&&", "AND") if isinstance(node, And) else ("||", "OR")
    if all(p.is_tsquery for p in parts):
        return _Frag(f"({f' {ts_op} '.join(p.sql for p in parts)})", _params(parts), True)
    conditions = [_condition(p) for p in parts]
    return _Frag(f"({f' {sql_op} '.join(c.sql for c in conditions)})", _params(conditions), False)


def _params(parts: list[_Frag]) -> tuple[object, ...]:
    return tuple(p for part in parts for p in part.params)


def _positive(node: Node, now: datetime, prefixes: Set[str]) -> _Frag | None:
    """The tsquery of the terms a result must or may contain (for ts_rank/ts_headline)."""
    if isinstance(node, Term):
        if node.prefix not in prefixes:
            return None
        return _text_term(node) if node.prefix in TEXT_WEIGHTS else _term(node, now)
    if isinstance(node, Not):
        return None
    parts = [p for p in (_positive(c, now, prefixes) for c in node.children) if p is not None]
    if not parts:
        return None
    return _Frag(f"({' || '.join(p.sql for p in parts)})", _params(parts), True)


def _term(term: Term, now: datetime) -> _Frag:
    if term.prefix == "s":
        return _subject_term(term)
    if term.prefix in TEXT_WEIGHTS:
        return _text_term(term)
    if term.prefix in LEXEME_PREFIXES:
        return _lexeme_term(term)
    if term.prefix in ("d", "dt"):
        start, end = parse_date_range(term.text, now)
        clauses, params = [], []
        if start is not None:
            clauses.append('"archive_message"."date" >= %s')
            params.append(start)
        if end is not None:
            clauses.append('"archive_message"."date" < %s')
            params.append(end)
        return _Frag(f"({' AND '.join(clauses) or 'TRUE'})", tuple(params), False)
    if term.prefix == "m":
        msgid = term.text.strip().strip("<>")
        if term.wildcard:
            like = msgid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return _Frag('("archive_message"."msgid" LIKE %s)', (like + "%",), False)
        return _Frag('("archive_message"."msgid" = %s)', (msgid,), False)
    # l: a List-Id or a list's short name
    list_id = term.text.strip().strip("<>").lower()
    return _Frag(
        '("archive_message"."id" IN (SELECT ml.message_id FROM archive_messagelist ml'
        " JOIN archive_mailinglist l ON l.id = ml.mailing_list_id"
        " WHERE l.list_id = %s OR l.name = %s))",
        (list_id, list_id),
        False,
    )


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _text_term(term: Term) -> _Frag:
    weights = TEXT_WEIGHTS[term.prefix]
    words = [w for w in term.text.split() if w]
    if not words:
        return _Frag("''::tsquery", (), True)
    star = "*" if term.wildcard else ""
    pieces = [f"{_quote(w)}:{star}{weights}" if star or weights else _quote(w) for w in words]
    return _Frag("to_tsquery('english', %s)", (" <-> ".join(pieces),), True)


# The subject-only vector (a generated column with its own GIN index).
SUBJECT_VECTOR = '"archive_message"."subject_search"'


def _subject_term(term: Term) -> _Frag:
    """``s:`` matched on the subject-only vector, not on weight A of the whole one.

    A weight restriction makes PostgreSQL recheck every candidate against its
    full (TOASTed) vector; common subject words such as "rtc" or "driver" cost
    50-100 ms that way, and about 1 ms on the small vector.
    """
    words = [w for w in term.text.split() if w]
    if not words:
        return _Frag("''::tsquery", (), True)
    star = ":*" if term.wildcard else ""
    text = " <-> ".join(f"{_quote(w)}{star}" for w in words)
    return _Frag(f"({SUBJECT_VECTOR} @@ to_tsquery('english', %s))", (text,), False)


def _lexeme_term(term: Term) -> _Frag:
    from archive.searchterms import word_tokens

    prefixes = ("f", "t", "c") if term.prefix == "a" else (term.prefix,)
    value = term.text.strip().lower()
    if (term.prefix in ("f", "t", "c", "a") and "@" in value) or term.prefix in ("dfn", "patchid"):
        values = [value.strip("<>")]
    else:
        values = word_tokens(value)
    if not values:
        return _Frag("''::tsquery", (), True)
    star = ":*" if term.wildcard else ""
    # Within one value: every word; across a:'s prefixes: any of them.
    per_prefix = [" & ".join(f"{_quote(f'{p}:{v}')}{star}" for v in values) for p in prefixes]
    text = " | ".join(f"({q})" for q in per_prefix)
    return _Frag("%s::tsquery", (text,), True)
