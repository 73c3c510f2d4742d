# SPDX-License-Identifier: AGPL-3.0-or-later
"""Large diffs coloured once, when their patch is stored, for the patch page.

Colouring is the costly part of showing a diff for the first time. C and
device trees go through our one-regex scanners, everything else through
Pygments at 1-2 ms a kilobyte: a YAML binding converted from text, a Rust
driver or a large script took 20-90 ms of a patch page's first view on
linux-rtc. A diff whose colouring is estimated above ``COST_CHARS`` is
coloured at ingest (``colour_diff``: each hunk's lines as HTML, in the parse
workers where they read the mail, else by the writer) and kept
with what it was made for, the renderers' version and the diff's checksum;
the page reads it with the patch and uses it only while both still match
(and the renderer only while the diff's hunks have its shape), otherwise it
colours live. The page is the same either way.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from archive.bulk import insert_model_rows
from archive.models import Message
from reviews.models import ColouredDiff, Patch
from reviews.patchtext import DIFF_COLUMNS, diff_of
from reviews.rendering.cache import RENDER_VERSION
from reviews.rendering.diff import colour_diff, parse_diff
from reviews.rendering.scanners import C_SUFFIXES, DTS_SUFFIXES

__all__ = [
    "COST_CHARS",
    "colour_patches",
    "coloured_expression",
    "colouring_cost",
    "precolour",
    "usable",
]

# About 4-8 ms of Pygments: below it, colouring live costs less than reading it.
COST_CHARS = 4000
# Our scanners colour a character about eight times faster than Pygments.
_SCANNED = C_SUFFIXES + DTS_SUFFIXES
_SCANNED_SHARE = 8


def colouring_cost(diff: str) -> int:
    """Characters to colour, those of scanned files weighed at an eighth."""
    cost = 0
    for file in parse_diff(diff):
        chars = sum(len(text) for hunk in file.hunks for _, text in hunk.lines)
        cost += chars // _SCANNED_SHARE if file.path.lower().endswith(_SCANNED) else chars
    return cost


def made_for(diff: str) -> str:
    return f"{RENDER_VERSION}:{zlib.crc32(diff.encode()):08x}"


# What ``precolour`` tells the writer: what it is made for, and the coloured
# hunks, or None for a diff long enough to be read back yet cheap to colour.
Precoloured = tuple[str, list[list[str]] | None]


def precolour(diff: str) -> Precoloured | None:
    """What it is made for and the coloured hunks, if ``diff`` is costly to colour:
    run in ingest's parse workers (``reviews.processor``), so the writer only stores.

    A diff longer than ``COST_CHARS`` but cheap to colour (C, mostly) gets no
    hunks but its ``made_for``: the writer, which reads back every diff that
    long, then knows it need not measure its cost again.
    """
    if len(diff) <= COST_CHARS:
        return None
    if colouring_cost(diff) <= COST_CHARS:
        return made_for(diff), None
    return made_for(diff), colour_diff(diff)


# Only diffs long enough to cost COST_CHARS are read back (a diff's length in
# characters bounds its cost), and only those not coloured yet.
_CANDIDATES_SQL = f"""
SELECT p.id, p.message_id, {DIFF_COLUMNS} FROM {Patch._meta.db_table} p
JOIN {Message._meta.db_table} m ON m.id = p.message_id
WHERE p.message_id = ANY(%s::bigint[]) AND coalesce(p.diff_len, length(p.diff)) > %s
  AND NOT EXISTS (SELECT 1 FROM {ColouredDiff._meta.db_table} c WHERE c.patch_id = p.id)
"""


def colour_patches(
    message_ids: Sequence[int], coloured: Mapping[int, Precoloured] | None = None
) -> int:
    """Store the costly diffs of the patches of these messages, coloured; how many.

    ``coloured``: ``precolour``'s answers by message id, used where made for
    the diff as stored; the others are coloured here.
    """
    if not message_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, [list(message_ids), COST_CHARS])
        rows = cursor.fetchall()
        made: list[tuple[int, str, list[list[str]]]] = []
        for patch_id, message_id, *columns in rows:
            diff = diff_of(*columns) or ""
            found = (coloured or {}).get(message_id)
            if found is not None and found[0] == made_for(diff):
                if found[1] is not None:  # else measured cheap by the worker
                    made.append((patch_id, found[0], found[1]))
            elif colouring_cost(diff) > COST_CHARS:
                made.append((patch_id, made_for(diff), colour_diff(diff)))
        made.sort(key=lambda row: row[0])  # two writers' overlapping rows locked alike
        insert_model_rows(
            cursor, ColouredDiff, ("patch_id", "made_for", "hunks"), made, on_conflict="DO NOTHING"
        )
    return len(made)


def coloured_expression() -> RawSQL:
    """For the patch page's ``.annotate()``: what is stored for the patch, or null."""
    table = ColouredDiff._meta.db_table
    return RawSQL(
        f"(SELECT jsonb_build_object('for', c.made_for, 'hunks', c.hunks) FROM {table} c"
        f' WHERE c.patch_id = "{Patch._meta.db_table}"."id")',
        (),
        output_field=JSONField(),
    )


def usable(stored: object, diff: str) -> list[list[str]] | None:
    """The stored hunks (``coloured_expression``'s value) if made for this diff by
    these renderers."""
    if not isinstance(stored, dict) or stored.get("for") != made_for(diff):
        return None
    hunks = stored.get("hunks")
    return hunks if isinstance(hunks, list) else None
