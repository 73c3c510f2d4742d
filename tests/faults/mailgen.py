"""A generated mailing-list archive with the shapes that make ingest order matter.

Patch series with cover letters and review replies, later revisions in new
threads, discussions whose replies also cite another thread (threads merge),
replies to mail never seen (ghosts), and re-deliveries through a second list.
"""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

LISTS = ("rtc.gen.example", "mm.gen.example")
PEOPLE = ("Ada Lovelace", "Bob Reviewer", "Carol Acker", "Dan Tester", "Eve Poster")
SEPARATOR = b"From gen@example Thu Jan  1 00:00:00 1970\n"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _address(person: int) -> str:
    name = PEOPLE[person % len(PEOPLE)]
    return f"{name} <{name.split()[0].lower()}@gen.example>"


def _mail(
    msgid: str,
    subject: str,
    body: str,
    *,
    when: datetime,
    person: int,
    list_id: str,
    refs: tuple[str, ...] = (),
) -> bytes:
    head = [
        f"From: {_address(person)}",
        f"To: {list_id.split('.')[0]}@gen.example",
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: <{msgid}>",
        f"List-Id: <{list_id}>",
    ]
    if refs:
        head.append(f"In-Reply-To: <{refs[-1]}>")
        head.append("References: " + " ".join(f"<{r}>" for r in refs))
    return ("\n".join(head) + "\n\n" + body.rstrip("\n") + "\n").encode()


def _diff(topic: int, number: int) -> str:
    path = f"drivers/gen/topic{topic}.c"
    return (
        f"Make topic {topic} handle case {number}.\n\n"
        f"Signed-off-by: {_address(0)}\n---\n"
        f" {path} | 1 +\n 1 file changed, 1 insertion(+)\n\n"
        f"diff --git a/{path} b/{path}\n"
        f"--- a/{path}\n+++ b/{path}\n"
        f"@@ -{number},2 +{number},3 @@ int topic{topic}(void)\n"
        " {\n"
        f"+\treturn {number};\n"
        " }\n"
    )


def _series(
    topic: int, version: int, when: datetime, list_id: str, repost: bool = False
) -> list[bytes]:
    """A cover letter, 2-4 patches and review replies carrying trailers."""
    total = 2 + topic % 3
    tag = f"PATCH v{version}" if version > 1 else "PATCH"
    title = f"gen: topic {topic} fixes"
    ident = f"{topic}v{version}{'r' if repost else ''}"
    cover = f"s{ident}.0@gen.example"
    mails = [
        _mail(cover, f"[{tag} 0/{total}] {title}", f"Fixes for topic {topic}.\n",
              when=when, person=0, list_id=list_id)
    ]  # fmt: skip
    for n in range(1, total + 1):
        mails.append(
            _mail(f"s{ident}.{n}@gen.example", f"[{tag} {n}/{total}] {title} {n}",
                  _diff(topic, n), when=when + timedelta(seconds=n), person=0,
                  list_id=list_id, refs=(cover,))
        )  # fmt: skip
    patch = f"s{ident}.1@gen.example"
    review = f"r{ident}.1@gen.example"
    mails.append(
        _mail(review, f"Re: [{tag} 1/{total}] {title} 1",
              f"> Make topic {topic}\n\nLooks right.\n\nReviewed-by: {_address(1)}\n",
              when=when + timedelta(hours=1), person=1, list_id=list_id, refs=(cover, patch))
    )  # fmt: skip
    mails.append(
        _mail(f"r{ident}.2@gen.example", f"Re: [{tag} 0/{total}] {title}",
              f"For the series:\n\nAcked-by: {_address(2)}\nTested-by: {_address(3)}\n",
              when=when + timedelta(hours=2), person=2, list_id=list_id, refs=(cover,))
    )  # fmt: skip
    mails.append(
        _mail(f"r{ident}.3@gen.example", f"Re: [{tag} 1/{total}] {title} 1",
              "> Looks right.\n\nAgreed.\n", when=when + timedelta(hours=3), person=3,
              list_id=list_id, refs=(cover, patch, review))
    )  # fmt: skip
    return mails


def _discussion(topic: int, when: datetime, list_id: str) -> list[bytes]:
    """A root, a reply chain and a branch; one reply also cites another thread."""
    root = f"d{topic}.0@gen.example"
    chain = [root]
    mails = [
        _mail(root, f"question about topic {topic}", "How should this work?\n",
              when=when, person=4, list_id=list_id)
    ]  # fmt: skip
    for depth in range(1, 4):
        msgid = f"d{topic}.{depth}@gen.example"
        refs = tuple(chain)
        if depth == 2 and topic >= 4:
            # Names the discussion before it too: the two threads become one.
            refs = (f"d{topic - 4}.0@gen.example", *chain)
        mails.append(
            _mail(msgid, f"Re: question about topic {topic}", f"Reply {depth}.\n",
                  when=when + timedelta(minutes=depth), person=depth, list_id=list_id, refs=refs)
        )  # fmt: skip
        chain.append(msgid)
    mails.append(
        _mail(f"d{topic}.b@gen.example", f"Re: question about topic {topic}", "A branch.\n",
              when=when + timedelta(minutes=9), person=2, list_id=list_id, refs=(root,))
    )  # fmt: skip
    return mails


def _loose(topic: int, when: datetime, list_id: str) -> list[bytes]:
    """A single patch, a reply to unseen mail, and the patch re-delivered via the other list."""
    patch = _mail(f"p{topic}@gen.example", f"[PATCH] gen: topic {topic} one-off", _diff(topic, 1),
                  when=when, person=0, list_id=list_id)  # fmt: skip
    other = LISTS[1] if list_id == LISTS[0] else LISTS[0]
    return [
        patch,
        _mail(f"g{topic}@gen.example", f"Re: lost thread {topic}", "Replying to old mail.\n",
              when=when + timedelta(minutes=5), person=3, list_id=list_id,
              refs=(f"unseen{topic}.0@elsewhere.example", f"unseen{topic}.1@elsewhere.example")),
        patch.replace(f"List-Id: <{list_id}>".encode(), f"List-Id: <{other}>".encode()),
    ]  # fmt: skip


def archive_mails(topics: int = 24, seed: int = 8) -> list[bytes]:
    """Mail for ``topics`` topics, mostly in date order with local reordering."""
    mails: list[bytes] = []
    for topic in range(topics):
        when = START + timedelta(hours=6 * topic)
        list_id = LISTS[topic % 2]
        kind = topic % 4
        if kind == 0:
            mails += _series(topic, 1, when, list_id)
        elif kind == 1:
            # v2 of the previous topic's series, in a thread of its own.
            mails += _series(topic - 1, 2, when, LISTS[(topic - 1) % 2])
            if topic % 8 == 1:
                # The same title posted afresh as a v1 after the v2: not its previous revision.
                mails += _series(topic - 1, 1, when + timedelta(hours=5), LISTS[(topic - 1) % 2],
                                 repost=True)  # fmt: skip
        elif kind == 2:
            mails += _discussion(topic, when, list_id)
        else:
            mails += _loose(topic, when, list_id)
        if topic % 16 == 5:
            # No Message-ID (a stable synthetic one is made) and bytes that are not mail.
            mails.append(f"From: {_address(4)}\nSubject: no id {topic}\n\nHi.\n".encode())
            mails.append(f"\x01\x02 not mail {topic}\n".encode())
    rng = random.Random(seed)
    for i in range(0, len(mails) - 1, 3):  # replies sometimes arrive before their parents
        if rng.random() < 0.5:
            mails[i], mails[i + 1] = mails[i + 1], mails[i]
    return mails


def write_mbox(path: Path, mails: list[bytes]) -> Path:
    path.write_bytes(b"".join(SEPARATOR + m + b"\n" for m in mails))
    return path


def overlapping_halves(mails: list[bytes], overlap: float = 0.2) -> tuple[list[bytes], list[bytes]]:
    """The first and the last ``(1 + overlap) / 2`` of the mail: they share the middle."""
    cut = len(mails) / 2
    width = int(len(mails) * overlap / 2)
    return mails[: int(cut) + width], mails[int(cut) - width :]
