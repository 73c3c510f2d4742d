# SPDX-License-Identifier: AGPL-3.0-or-later
"""public-inbox's search language, parsed purely and compiled to PostgreSQL.

``parse_query`` turns ``s:"rtc fix" AND f:jane@example.org NOT d:..2.weeks.ago``
into a small tree; ``compile_query`` turns the tree into one SQL condition on
``archive_message``. Full-text prefixes become ``to_tsquery`` terms on one or
both of the message's vectors (``header_search``: A subject, D sender;
``search``: B unquoted prose, C quoted prose, D diff lines), exact prefixes become
``prefix:value`` lexemes of ``search`` (``f:``, ``dfn:``) or ``search_terms`` (the
others; see :mod:`archive.searchterms`); the GIN indexes on the three answer them.
``d:`` uses the date index, ``m:`` the Message-ID index, ``l:`` the lists in the row
(``Message.list_ids``).
Nothing is scanned in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from archive.searchterms import IN_BODY_VECTOR, MAX_TERM, word_tokens

__all__ = ["And", "Not", "Or", "QueryError", "Term", "compile_query", "parse_query"]

# The vectors of a message (see archive.searchindex): most exact terms are
# text made a vector for their own GIN index (archive migration 0018).
HEADER_VECTOR = '"archive_message"."header_search"'
BODY_VECTOR = '"archive_message"."search"'
TERMS_VECTOR = 'threadwork_terms_vector("archive_message"."search_terms")'
# The subject's lexemes alone, with their own GIN index (archive migration 0031):
# "the subject holds x" asked of HEADER_VECTOR as x:A made PostgreSQL recheck
# every row whose sender's name holds x (22,710 rows, 62 ms, for s:alexandre
# at ten times linux-rtc; 0.24 ms this way). The filtered vector keeps the
# positions, so phrases match as before; ranks still come from the header
# vector (_rank).
SUBJECT_VECTOR = """ts_filter("archive_message"."header_search", '{a}')"""

# Full-text prefixes: the weights each searches in the header vector and in
# the body vector ("" any, None not that vector). A weight restriction makes
# PostgreSQL recheck each candidate's vector, which for a TOASTed body vector
# costs more than the index scan. All body text has weight B (prose), C
# (quoted prose) or D (diff lines, unstemmed: archive migration 0006), so b:
# and bare words need none and search code too; only nq: and q: pay for one.
TEXT_FIELDS: dict[str, tuple[str | None, str | None]] = {
    "": ("", ""),
    "s": ("A", None),
    "b": (None, ""),
    "bs": ("A", ""),
    "nq": (None, "B"),
    "q": (None, "C"),
}
LEXEME_PREFIXES = {"f", "t", "c", "a", "tc", "tcf", "dfn", "dfa", "dfb", "patchid"}
OTHER_PREFIXES = {"d", "dt", "m", "l"}
PREFIXES = set(TEXT_FIELDS) | LEXEME_PREFIXES | OTHER_PREFIXES
# The address prefixes each address prefix stands for.
ADDRESS_PREFIXES = {"a": ("f", "t", "c"), "tcf": ("f", "t", "c"), "tc": ("t", "c")}
# public-inbox prefixes Threadwork does not index: named, not mistaken for typos.
UNSUPPORTED_PREFIXES = {"n", "dfhh", "dfctx", "dfpre", "dfpost", "dfblob", "rt", "z"}
HELP_HINT = "The search help lists every prefix, with examples."
KEYWORDS = {"AND", "OR", "NOT"}
_IDENTIFIER_RE = re.compile(r"\w*_\w*")
# Brackets and NOTs nest at most this deep: the parser and the compiler
# recurse once per level, and 500 levels overflowed Python's stack.
MAX_DEPTH = 50


class QueryError(ValueError):
    """The query cannot be run; the message, a sentence or two, is shown to the user."""


@dataclass(frozen=True)
class Term:
    prefix: str  # "" for bare words
    text: str
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
        (?:"(?P<quoted>[^"]*)(?P<closed>")?|(?P<word>[^\s()"]+))
    )""",
    re.X,
)


def parse_query(text: str) -> Node:
    """Parse a query; raises :class:`QueryError` on an empty, unbalanced or too deep one."""
    if "\x00" in text:
        # PostgreSQL text cannot hold it, and no indexed text contains one.
        raise QueryError("A query cannot contain a NUL character.")
    parser = _Parser(_tokens(text))
    node = parser.parse_or()
    if parser.peek() is not None:
        raise QueryError(_UNBALANCED)
    if node is None:
        raise QueryError("The query has nothing to search for.")
    return node


_UNBALANCED = "The query's parentheses do not pair up: each ( needs a ) after it."


def _tokens(text: str) -> list[object]:
    tokens: list[object] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Cannot read the query near {text[pos : pos + 20]!r}.")
        pos = match.end()
        if match["open"] or match["close"]:
            tokens.append(match["open"] or match["close"])
            continue
        token = _token(match)
        if token is not None:
            tokens.append(token)
    return tokens


def _token(match: re.Match[str]) -> object | None:
    """A term (negated by a leading ``-``), a keyword, or None for a lone URL scheme."""
    prefix = match["prefix"] or ""
    if match["quoted"] is not None and not match["closed"]:
        raise QueryError(
            f'The quote before "{match["quoted"][:30]}" is never closed: '
            'put phrases between two double quotes, as in s:"alarm irq".'
        )
    word = match["word"]
    if prefix and prefix not in PREFIXES:
        if word is not None and word.startswith("//"):  # http://x: a plain word
            return Term("", f"{prefix}:{word}")
        raise QueryError(_unknown_prefix(prefix))
    if match["quoted"] is not None:
        term = Term(prefix, match["quoted"])
    elif not prefix and word in KEYWORDS:
        return word
    else:
        _check_word(word)
        star = word.endswith("*") and len(word) > 1
        term = Term(prefix, word.rstrip("*") if star else word, wildcard=star)
    return Not(term) if match["neg"] else term


def _check_word(word: str) -> None:
    """``s:`` with nothing after it reads as the word "s:": say what is missing."""
    if word.endswith(":") and word[:-1] in PREFIXES and word[:-1]:
        raise QueryError(
            f"The prefix {word} needs something to search for right after it, "
            f'with no space: {word}word or {word}"some words".'
        )


def _unknown_prefix(prefix: str) -> str:
    if prefix in UNSUPPORTED_PREFIXES:
        return f"public-inbox's {prefix}: prefix is not supported here. {HELP_HINT}"
    known = " ".join(f"{p}:" for p in sorted(PREFIXES - {""}))
    return f"{prefix}: is not a search prefix. The prefixes are {known}. {HELP_HINT}"


class _Parser:
    """Recursive descent: OR binds loosest, then AND (explicit or implied), then NOT."""

    def __init__(self, tokens: list[object]) -> None:
        self.tokens, self.pos, self.depth = tokens, 0, 0

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
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise QueryError(f"Brackets and NOTs nest more than {MAX_DEPTH} deep.")
            return self._unary(self.take())
        finally:
            self.depth -= 1

    def _unary(self, token: object) -> Node | None:
        if token == "NOT":
            if self.peek() in (None, ")", "OR", "AND"):
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        if token == "(":
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError(_UNBALANCED)
            self.take()
            return inner
        if token == ")":
            raise QueryError(_UNBALANCED)
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
    Dates outside what PostgreSQL and Python can count (``d:9999-12-31``
    ends in year 10000) raise :class:`QueryError`.
    """
    try:
        return _date_range(text, now)
    except QueryError:
        raise
    except (OverflowError, ValueError):
        raise QueryError(f"The date {text!r} is out of range.") from None


def _date_range(text: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    if ".." not in text:
        day = _parse_date(text, now)
        return day, _end_of(text, day)
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
    raise QueryError(
        f"Cannot read the date {text!r}: write 20240131, 2024-01-31, 202401, 2024,"
        " 2.weeks.ago, yesterday or today, and ranges as 20240101..20240201."
    )


# --- compiling -----------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A SQL condition on ``archive_message``, a rank expression and a tsquery to highlight."""

    where: str
    params: tuple[object, ...]
    rank: str | None  # SQL float expression, or None without text or exact terms
    rank_params: tuple[object, ...] = ()
    # (text, wildcard) of each positive full-text term that searches the body, for
    # the snippets (archive.snippets): a snippet is cut from the body, so a page of
    # subject words (s:) has none and reads no body; exact lexemes are never marked.
    highlight: tuple[tuple[str, bool], ...] = ()
    # What the snippet should be centred on (the first such term), lower case.
    headline_word: str = ""
    # Every match holds a word one of the GIN indexes answers (a subject, body or
    # exact term it must contain): a newest page is then looked for through that
    # index in date windows, never by testing rows one by one in date order
    # (archive.searchresults). Testing a body means reading its TOASTed vector;
    # a subject is cheap to test, but a subject word rarer in recent mail than
    # in all of it had the walk read every row back to its fiftieth newest match
    # (37,941 rows, 53 ms warm and 884 ms cold for s:mediatek at ten times
    # linux-rtc, against 8 ms for the index's bitmap and a date window).
    indexed: bool = False
    # Every term searches a vector without planner statistics (body, exact terms,
    # subject lexemes): no estimate of the statement depends on the words, so one
    # generic plan serves every search of its shape (archive.searchresults).
    plan_free: bool = False


@dataclass(frozen=True)
class _Frag:
    sql: str
    params: tuple[object, ...]
    # The vector ``sql`` is a tsquery expression for, or None when it is a condition.
    vector: str | None = None


def compile_query(node: Node, now: datetime | None = None) -> Compiled:
    now = now or datetime.now(UTC)
    where = _condition(_compile(node, now))
    rank = _rank(node)
    return Compiled(
        where.sql,
        where.params,
        rank.sql if rank else None,
        rank.params if rank else (),
        _highlight(node),
        _first_text_word(node),
        _indexed(node),
        _plan_free(node),
    )


def _indexed(node: Node) -> bool:
    """Whether every match holds a word a GIN index answers (see Compiled.indexed)."""
    if isinstance(node, Term):
        return node.prefix in TEXT_FIELDS or node.prefix in LEXEME_PREFIXES
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_indexed(c) for c in node.children)
    return all(_indexed(c) for c in node.children)


# The prefixes whose words are asked of vectors PostgreSQL keeps no statistics
# of (archive migrations 0016, 0018, 0034): the header vector, which bare words
# also search, has them.
_PLAN_FREE_PREFIXES = frozenset({"s", "b", "bs", "nq", "q"} | LEXEME_PREFIXES)


def _plan_free(node: Node) -> bool:
    """Whether every term of ``node``, negated or not, searches only vectors
    without planner statistics (see Compiled.plan_free)."""
    if isinstance(node, Term):
        return node.prefix in _PLAN_FREE_PREFIXES
    if isinstance(node, Not):
        return _plan_free(node.child)
    return all(_plan_free(c) for c in node.children)


def _first_text_word(node: Node) -> str:
    """The first body-searching full-text term's words, lower case: a phrase is looked
    for whole."""
    if isinstance(node, Term):
        words = node.text.split() if _searches_body(node) else []
        return " ".join(words).lower()
    if isinstance(node, Not):
        return ""
    return next((w for w in map(_first_text_word, node.children) if w), "")


def _condition(frag: _Frag) -> _Frag:
    if frag.vector is not None:
        return _Frag(f"({frag.vector} @@ {frag.sql})", frag.params)
    return frag


def _compile(node: Node, now: datetime) -> _Frag:
    if isinstance(node, Term):
        return _term(node, now)
    if isinstance(node, Not):
        child = _compile(node.child, now)
        if child.vector is not None:
            return _Frag(f"(!! {child.sql})", child.params, child.vector)
        return _Frag(f"(NOT {child.sql})", child.params)
    parts = [_compile(c, now) for c in node.children]
    ts_op, sql_op = ("&&", "AND") if isinstance(node, And) else ("||", "OR")
    vectors = {p.vector for p in parts}
    if len(vectors) == 1 and None not in vectors:
        # One tsquery on one vector: a single index scan answers it.
        joined = f" {ts_op} ".join(p.sql for p in parts)
        return _Frag(f"({joined})", _params(parts), parts[0].vector)
    return _joined(sql_op, [_condition(p) for p in parts])


def _joined(sql_op: str, conditions: list[_Frag]) -> _Frag:
    return _Frag(f"({f' {sql_op} '.join(c.sql for c in conditions)})", _params(conditions))


def _params(parts: list[_Frag]) -> tuple[object, ...]:
    return tuple(p for part in parts for p in part.params)


def _positive_terms(node: Node) -> list[Term]:
    """The terms a result must or may contain: all but those under a NOT."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for child in node.children for t in _positive_terms(child)]


def _rank(node: Node) -> _Frag | None:
    """``ts_rank`` over each vector the positive text and exact terms search, summed.

    The body's words and its exact terms are ranked with one query, as when
    the terms were part of the body vector: ``ts_rank`` of a query whose top
    is ``|`` is a sum over the query's lexemes, so ranking each of the two
    apart and adding gives the same ranks without joining the vectors (which
    cost 30 µs a match). The terms' part is left out when every match has
    the same terms asked (see ``_terms_vary``): it would add the same to
    every rank, and building each match's terms vector costs 20 µs.
    """
    by_vector: dict[str, list[_Frag]] = {HEADER_VECTOR: [], BODY_VECTOR: []}
    with_terms = _terms_vary(node)
    for term in _positive_terms(node):
        # Ranked as before the subject index: ts_rank counts every position of a
        # matched lexeme, the sender's too, so the filtered vector would rank a
        # subject word that is also in the sender's name a little lower.
        frags = _text_parts(term, subject_index=False) if term.prefix in TEXT_FIELDS else []
        if term.prefix in LEXEME_PREFIXES:
            frags = _lexeme_parts(term)
        for frag in frags:
            vector = HEADER_VECTOR if frag.vector == HEADER_VECTOR else BODY_VECTOR
            by_vector[vector].append(frag)
    ranks = []
    for vector, frags in by_vector.items():
        if not frags:
            continue
        query = f"({' || '.join(f.sql for f in frags)})"
        for ranked in (vector, TERMS_VECTOR) if vector == BODY_VECTOR and with_terms else (vector,):
            ranks.append(_Frag(f"ts_rank({ranked}, {query})", _params(frags)))
    if not ranks:
        return None
    return _Frag(f"({' + '.join(r.sql for r in ranks)})", _params(ranks))


def _terms_vary(node: Node, required: bool = True) -> bool:
    """Whether matches can differ in which of the asked exact terms they hold.

    An exact term every match must hold (under ANDs only, no wildcard, one
    prefix, in the body alone) is held once by every match, without a
    position: its share of the rank is the same for all of them.
    """
    if isinstance(node, Not):
        return False
    if isinstance(node, And | Or):
        inner = required and isinstance(node, And)
        return any(_terms_vary(child, inner) for child in node.children)
    if node.prefix in LEXEME_PREFIXES:
        parts = _lexeme_parts(node)
    elif node.prefix in TEXT_FIELDS:
        parts = _text_parts(node)
    else:
        return False
    if not any(p.vector == TERMS_VECTOR for p in parts):
        return False
    return not required or node.wildcard or len(parts) > 1 or node.prefix in ADDRESS_PREFIXES


def _highlight(node: Node) -> tuple[tuple[str, bool], ...]:
    """The positive full-text terms that search the body, as the snippets mark them
    (archive.snippets)."""
    return tuple(
        (term.text, term.wildcard)
        for term in _positive_terms(node)
        if _searches_body(term) and term.text.split()
    )


def _searches_body(term: Term) -> bool:
    """A full-text term whose words may be found in the body (all but ``s:``)."""
    return term.prefix in TEXT_FIELDS and TEXT_FIELDS[term.prefix][1] is not None


def _term(term: Term, now: datetime) -> _Frag:
    if term.prefix in TEXT_FIELDS:
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
        return _Frag(f"({' AND '.join(clauses) or 'TRUE'})", tuple(params))
    if term.prefix == "m":
        msgid = term.text.strip().strip("<>")
        if term.wildcard:
            like = msgid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return _Frag('("archive_message"."msgid" LIKE %s)', (like + "%",))
        return _Frag('("archive_message"."msgid" = %s)', (msgid,))
    # l: a List-Id or a list's short name
    list_id = term.text.strip().strip("<>").lower()
    return _Frag(
        '("archive_message"."list_ids" && ARRAY(SELECT l.id FROM archive_mailinglist l'
        " WHERE l.list_id = %s OR l.name = %s))",
        (list_id, list_id),
    )


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _text_term(term: Term) -> _Frag:
    """A full-text term: a tsquery on one vector, or either vector matching."""
    parts = _text_parts(term)
    if len(parts) == 1:
        return parts[0]
    return _joined("OR", [_condition(p) for p in parts])


def _text_parts(term: Term, subject_index: bool = True) -> list[_Frag]:
    """The term's tsquery on each vector its prefix searches (the subject's words on
    SUBJECT_VECTOR, or as weight A of the header vector without ``subject_index``)."""
    words = [w for w in term.text.split() if w]
    header_weights, body_weights = TEXT_FIELDS[term.prefix]
    if not words:
        return [_Frag("''::tsquery", (), BODY_VECTOR)]  # matches nothing
    parts = []
    if header_weights == "A" and subject_index:
        parts.append(_words_query(words, term.wildcard, "", SUBJECT_VECTOR))
    elif header_weights is not None:
        parts.append(_words_query(words, term.wildcard, header_weights, HEADER_VECTOR))
    if body_weights == "":
        parts.append(_body_query(words, term.wildcard))
    elif body_weights is not None:
        parts.append(_words_query(words, term.wildcard, body_weights, BODY_VECTOR))
    return parts


def _body_query(words: list[str], wildcard: bool) -> _Frag:
    """The words in the whole body: prose (stemmed) or code (diff lines, indexed unstemmed).

    A lone identifier (``rtc_class_ops``) is asked as the one lexeme it is
    indexed as, from prose and code alike (archive.searchterms.identifier_tokens),
    as public-inbox matches it: as a phrase of its parts it made PostgreSQL
    reread every candidate's vector (34 ms instead of 3 on linux-rtc).
    """
    identifier = words[0].lower() if len(words) == 1 else ""
    if identifier.strip("_") and _IDENTIFIER_RE.fullmatch(identifier):
        lexeme = _quote(identifier[:MAX_TERM]) + (":*" if wildcard else "")
        return _Frag("%s::tsquery", (lexeme,), TERMS_VECTOR)
    # A SQL function of archive migration 0006: english || simple, once if equal.
    params = _words_query(words, wildcard, "").params
    return _Frag("threadwork_body_query(%s)", params, BODY_VECTOR)


def _words_query(
    words: list[str], wildcard: bool, weights: str, vector: str | None = None
) -> _Frag:
    """Words in a row (a phrase, or one word), each a prefix when ``wildcard``."""
    star = "*" if wildcard else ""
    pieces = [f"{_quote(w)}:{star}{weights}" if star or weights else _quote(w) for w in words]
    return _Frag("to_tsquery('english', %s)", (" <-> ".join(pieces),), vector)


def _lexeme_term(term: Term) -> _Frag:
    """An exact term: a tsquery on the vector that holds its prefix, or either matching."""
    parts = _lexeme_parts(term)
    if len(parts) == 1:
        return parts[0]
    return _joined("OR", [_condition(p) for p in parts])


def _lexeme_parts(term: Term) -> list[_Frag]:
    """The term's tsquery on each vector its prefixes are in (archive.searchterms.split_terms)."""
    prefixes = ADDRESS_PREFIXES.get(term.prefix, (term.prefix,))
    value = term.text.strip().lower()
    addressed = term.prefix in ("f", "t", "c") or term.prefix in ADDRESS_PREFIXES
    if (addressed and "@" in value) or term.prefix in ("dfn", "patchid"):
        values = [value.strip("<>")]
    else:
        values = word_tokens(value)
    if not values:
        return [_Frag("''::tsquery", (), TERMS_VECTOR)]
    star = ":*" if term.wildcard else ""
    # Within one value: every word; across a:'s (tc:'s, tcf:'s) prefixes: any of them.
    by_vector: dict[str, list[str]] = {}
    for p in prefixes:
        vector = BODY_VECTOR if f"{p}:".startswith(IN_BODY_VECTOR) else TERMS_VECTOR
        every = " & ".join(f"{_quote(f'{p}:{v}')}{star}" for v in values)
        by_vector.setdefault(vector, []).append(every)
    return [
        _Frag("%s::tsquery", (" | ".join(f"({q})" for q in per_prefix),), vector)
        for vector, per_prefix in by_vector.items()
    ]
