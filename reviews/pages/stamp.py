# SPDX-License-Identifier: AGPL-3.0-or-later
"""A stamp of the review data, for caching what pages derive from it.

The stamp is the highest id of every table whose rows pages read and that
changes by adding rows (new mail, comments, trailers, patches, series,
events), plus the change-stamp sequence that every service moves when it
commits (``reviews.services.events.touch``): a state changed in the web UI,
the API or the admin, a project or state edited, a rebuild in place. Anything
a cached part shows changes one of them, so a part keyed on the stamp is
never stale; new mail anywhere invalidates every such part, which keeps the
rule simple and is cheap at mailing-list rates.

The stamp is read as an annotation of a query the page runs anyway: each
``max(id)`` is one index probe, planned separately, and adds no round trip.
"""

from __future__ import annotations

from django.db.models import CharField
from django.db.models.expressions import RawSQL

from archive.models import Message
from reviews.models import Comment, Event, Patch, Series, Trailer
from reviews.services.events import STAMP_SEQUENCE

__all__ = ["STAMP_SQL", "change_stamp"]

_TABLES = (Message, Comment, Trailer, Patch, Series, Event)


# The stamp as plain SQL, for a written-out statement.
STAMP_SQL = "concat_ws(':', {})".format(
    ", ".join(
        [f'(SELECT max(id) FROM "{model._meta.db_table}")' for model in _TABLES]
        + [f"(SELECT last_value FROM {STAMP_SEQUENCE})"]
    )
)


def change_stamp() -> RawSQL:
    """An expression for ``.annotate()``: the stamp as text (``"12:40:7:..."``)."""
    return RawSQL(STAMP_SQL, (), output_field=CharField())
