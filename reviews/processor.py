# SPDX-License-Identifier: AGPL-3.0-or-later
"""The archive's message processor for review data (see ``archive.processors``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from archive.processors import MessageLink, StoredMessage
from reviews.analysis import MailAnalysis, analyze_message
from reviews.archive_links import list_links, message_links, message_links_sql, read_links
from reviews.diffcolours import precolour
from reviews.ingest import REVIEWS, record_batch
from reviews.missed import IGNORED_TERM
from reviews.rebuild import rebuild_reviews
from reviews.renderedmail import prerender
from reviews.replyreading import read_at_ingest


class ReviewProcessor:
    name = REVIEWS
    # Updated row by row in each batch (counts, states, turns): rewritten
    # compact after an import that wrote most of the archive (archive.churned).
    churned_tables = ("reviews_patch", "reviews_series")

    def analyze(self, parsed) -> MailAnalysis:  # type: ignore[no-untyped-def]
        # In a parse worker: what a reply says is read here, not by the writer.
        analysis = analyze_message(parsed)
        if analysis.is_tracked:  # a patch or cover letter, never anyone's reply
            diff = analysis.patch.diff if analysis.patch else None
            colours = precolour(diff) if diff else None
            return dataclasses.replace(analysis, colours=colours) if colours else analysis
        # As reviews.ingest stores trailers: none for a mail asking to be ignored.
        stored = analysis.trailers if not analysis.patchwork.ignore else ()
        kinds = [t.kind[:100] for t in stored]
        return dataclasses.replace(
            analysis, reply=read_at_ingest(parsed, kinds), rendered=prerender(parsed.body)
        )

    def search_terms(self, analysis: MailAnalysis) -> tuple[str, ...]:
        terms = (f"patchid:{analysis.patchid}",) if analysis.patchid else ()
        # How reviews.missed finds mail its sender asked trackers to ignore.
        return (*terms, IGNORED_TERM) if analysis.patchwork.ignore else terms

    def message_links(self, message_ids: Sequence[int]) -> dict[int, list[MessageLink]]:
        return message_links(message_ids)

    def message_links_sql(self, message_id: str) -> str:
        return message_links_sql(message_id)

    def message_links_from_sql(self, value: object) -> list[MessageLink]:
        return read_links(value)

    def list_links(self, list_id: int) -> list[MessageLink]:
        return list_links(list_id)

    def apply(self, stored: Sequence[StoredMessage]) -> Callable[[], None]:
        return record_batch(stored).store

    def rebuild(self, list_ids: Sequence[int] | None) -> list[str]:
        return rebuild_reviews(list_ids).lines()
