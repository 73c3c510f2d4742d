# SPDX-License-Identifier: AGPL-3.0-or-later
"""A project's events as an Atom feed, newest first.

Every text comes from mail or users, so each goes through ``xml_text``: one
control character in a patch name made Django's feed writer raise (a 500
until a hundred newer events pushed it out), and U+FFFF made invalid XML.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from archive.feeds import xml_text
from reviews.models import Project
from reviews.pages.events import EventRow, recent_events

__all__ = ["ProjectEventsFeed"]

FEED_SIZE = 100


class ProjectEventsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, link_name: str) -> Project:
        return get_object_or_404(Project, link_name=link_name)

    def title(self, project: Project) -> str:
        return xml_text(f"{project.name} events")

    def subtitle(self, project: Project) -> str:
        return xml_text(f"State changes, delegations, checks and new patches in {project.name}.")

    def link(self, project: Project) -> str:
        return f"/project/{project.link_name}/events/"

    def items(self, project: Project) -> list[EventRow]:
        return recent_events(project, FEED_SIZE)

    def item_title(self, item: EventRow) -> str:
        return xml_text(item.summary)

    def item_description(self, item: EventRow) -> str:
        # Atom1Feed writes this as <summary type="html">: a feed reader renders
        # it as HTML, so the patch names and usernames in it are escaped here.
        by = f" by {item.actor}" if item.actor else ""
        return xml_text(escape(f"{item.summary}{by}, {item.date:%Y-%m-%d %H:%M} UTC"))

    def item_link(self, item: EventRow) -> str:
        return item.url or "/"

    def item_guid(self, item: EventRow) -> str:
        return f"threadwork-event-{item.id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: EventRow):
        return item.date

    def item_author_name(self, item: EventRow) -> str:
        return xml_text(item.actor or "Threadwork")
