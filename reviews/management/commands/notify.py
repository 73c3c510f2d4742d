# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py notify``: mail submitters about their patches' new states (README, cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.models import Project
from reviews.notifications import notify_project


class Command(BaseCommand):
    help = (
        "Mail each submitter, once per series, the patches of theirs that were accepted, "
        "need changes or were rejected, for projects with notifications on."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--project", help="a project's link name (default: every project)")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "THREADWORK_BASE_URL", ""),
            help="this site's address, for the links in the mails "
            "(default: the THREADWORK_BASE_URL setting)",
        )

    def handle(self, *args: Any, project: str | None, base_url: str, **options: Any) -> None:
        if not base_url:
            raise CommandError(
                "Give --base-url (e.g. https://patches.example.org): mails link to pages."
            )
        projects = Project.objects.filter(notify_submitters=True)
        if project is not None:
            projects = projects.filter(link_name=project)
            if not projects.exists():
                raise CommandError(f"No project {project!r} with notifications turned on.")
        for found in projects.order_by("link_name"):
            self.stdout.write(notify_project(found, base_url.rstrip("/")).line())
