# SPDX-License-Identifier: AGPL-3.0-or-later
"""The home page: every project with its counts, computed once per change of the archive.

Counting a project's messages and open patches reads every row of it, so the
cost would grow with the archive; the counts are cached under the change
stamp instead, and a visit costs one small query however big the lists get.
"""

from __future__ import annotations

from django.core.cache import cache

from archive.dbrouting import read_connection
from archive.prepared import execute_prepared
from reviews.models import Project
from reviews.pages.stamp import STAMP_SQL

__all__ = ["home_key", "home_projects"]

_CACHE_SECONDS = 3600
# The page's key: the change stamp and, besides it, mail cross-posted to one more
# list (a new link row only) and projects renamed in the admin. Planned once per
# connection.
_KEY_SQL = (
    f"SELECT {STAMP_SQL}, (SELECT max(id) FROM archive_messagelist), "
    "(SELECT md5(string_agg(concat_ws(':', id, link_name, name), ',' ORDER BY id)) "
    "FROM reviews_project)"
)


def home_key() -> str:
    """What the home page's projects depend on, read by its prepared statement (a
    worker's warm-up reads it first: planning it cost 0.4 ms a view, 4 ms on a new
    connection)."""
    db = read_connection(Project)
    with db.cursor() as cursor:
        execute_prepared(cursor, "threadwork_home_key", _KEY_SQL, ())
        stamp, links, projects_digest = cursor.fetchone()
    return f"reviews:home:{db.alias}:{stamp}:{links}:{projects_digest}"


def home_projects() -> list[Project]:
    key = home_key()
    projects = cache.get(key)
    if projects is None:
        projects = list(Project.objects.with_counts().select_related("mailing_list"))
        cache.set(key, projects, _CACHE_SECONDS)
    return projects
