"""reviews.quotes.reply_answers: the answers of reply_parts, without reading the quotes."""

from __future__ import annotations

from pathlib import Path

from archive.parsing import UnparseableMessage, parse_message
from archive.sources import iter_source
from reviews.quotes import reply_answers, reply_parts

DATA = Path(__file__).resolve().parent.parent / "data"


def _bodies() -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for p in DATA.rglob("*") if p.suffix in (".eml", ".mbox")):
        for mail in iter_source(str(path)):
            try:
                parsed = parse_message(mail.data)
            except UnparseableMessage:
                continue
            if ">" in parsed.body:
                found.append((parsed.body, parsed.from_name))
    return found


def test_the_answers_are_those_of_reply_parts_with_and_without_a_name() -> None:
    bodies = _bodies()
    assert len(bodies) > 50
    for body, name in bodies:
        for author in (name, ""):
            assert reply_answers(body, author) == tuple(
                part.answer for part in reply_parts(body, author)
            )


def test_a_signature_in_the_senders_name_is_no_answer() -> None:
    body = "> quoted line\n\nA real answer.\n\nWolfram\n\n> another\nok\n"
    assert reply_answers(body, "Wolfram Sang") == (("A real answer.",), ("ok",))
    assert reply_answers(body) == (("A real answer.", "Wolfram"), ("ok",))
