# SPDX-License-Identifier: AGPL-3.0-or-later
"""The archive's message processor for review data (see ``archive.processors``)."""

from __future__ import annotations

from collections.abc import Sequence

from archive.processors import StoredMessage
from reviews.analysis import MailAnalysis, analyze_message
from reviews.ingest import REVIEWS, record_batch
from reviews.rebuild import rebuild_reviews


class ReviewProcessor:
    name = REVIEWS

    def analyze(self, parsed) -> MailAnalysis:  # type: ignore[no-untyped-def]
        return analyze_message(parsed)

    def search_terms(self, analysis: MailAnalysis) -> tuple[str, ...]:
        return (f"patchid:{analysis.patchid}",) if analysis.patchid else ()

    def apply(self, stored: Sequence[StoredMessage]) -> None:
        record_batch(stored)

    def rebuild(self, list_ids: Sequence[int] | None) -> list[str]:
        return rebuild_reviews(list_ids).lines()
