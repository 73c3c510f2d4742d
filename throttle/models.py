# SPDX-License-Identifier: AGPL-3.0-or-later
"""Counters every web worker shares (throttle/counters.py writes them, in SQL)."""

from django.db import models


class Counter(models.Model):
    """How often ``key`` happened in the window that ends at ``expires``.

    The table is UNLOGGED (migration 0001): no write-ahead log for counts that
    change on every request; after a crash PostgreSQL empties it, which only
    forgets recent counts.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires:%Y-%m-%d %H:%M:%S}"
