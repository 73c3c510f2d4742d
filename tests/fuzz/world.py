# SPDX-License-Identifier: AGPL-3.0-or-later
"""The archive hostile requests are sent to, and real values that get them past the first lookup.

tests/security's hostile archive (a payload in every string) plus mail full
of control and non-characters (tests/data/badinput/).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import DATA
from tests.fuzz.routes import encoded

BADINPUT = DATA / "badinput"


@dataclass(repr=False)
class World:
    """Real values per parameter name, so that requests get past the first lookup."""

    path: dict[str, list[str]]
    query: dict[str, list[str]]
    maintainer: object

    def __repr__(self) -> str:
        return "World()"  # hypothesis prints it with every failing example


def build_world() -> World:
    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Check, Comment, Project
    from tests.security.conftest import build_hostile

    h = build_hostile()
    for mbox in sorted(BADINPUT.glob("*.mbox")):
        ingest(iter_source(str(mbox)), workers=1)
    projects = list(Project.objects.order_by("id"))
    ids = [str(x.id) for x in (*h.patches, *h.covers, *h.series, *h.people, h.bundle)]
    path = {
        "link_name": [p.link_name for p in projects],
        "list_name": [p.mailing_list.name for p in projects] + ["all"],
        "msgid": [encoded(m.msgid) for m in h.messages],
        "other": [encoded(p.message.msgid) for p in h.patches],
        "owner": [encoded(h.maintainer.username)],
        "name": [encoded(h.bundle.name)],
        "pk": [*ids, str(h.project.id), h.project.link_name],
        "patch_id": [str(p.id) for p in h.patches],
        "series_id": [str(s.id) for s in h.series],
        "other_id": [str(s.id) for s in h.series],
        "person_id": [str(p.id) for p in h.people],
        "comment_id": [str(c.id) for c in Comment.objects.all()],
        "check_id": [str(c.id) for c in Check.objects.all()],
        "version": ["1.0", "1.3"],
        "uidb64": ["MQ"],
        "token": ["set-password"],
    }
    patch = h.diff_patch
    query = {
        "project": [h.project.link_name, str(h.project.id)],
        "submitter": [str(patch.submitter_id), h.people[0].email],
        "delegate": [h.maintainer.username, str(h.maintainer.id)],
        "state": ["new", "*", "under-review", "fail"],
        "series": [str(s.id) for s in h.series],
        "patch": [str(p.id) for p in h.patches],
        "patches": [str(p.id) for p in h.patches],
        "bundle": [str(h.bundle.id)],
        "order": ["-date", "name", "received_all", "-received_all", "state"],
        "q": ["rtc", "s:alert", "d:2000..", "f:eve"],
        "archived": ["true", "both"],
        "public": ["yes", "true"],
        "x": ["m"],
        "t": ["1"],
        "page": ["2"],
        "per_page": ["1", "250"],
        "since": ["2000-01-01T00:00:00"],
    }
    return World(path=path, query=query, maintainer=h.maintainer)
