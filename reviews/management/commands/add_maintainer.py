# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py add_maintainer USERNAME PROJECT``: let a user maintain a project."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviews.models import Project
from reviews.services import add_maintainer


class Command(BaseCommand):
    help = "Make an existing user a maintainer of a project (by its link name)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("project", help="the project's link name, e.g. linux-mm")

    def handle(self, *args, username: str, project: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; create it first (createsuperuser or admin).")
        found = Project.objects.filter(link_name=project).first()
        if found is None:
            known = ", ".join(Project.objects.values_list("link_name", flat=True)) or "none yet"
            raise CommandError(f"No project {project!r}. Known projects: {known}.")
        add_maintainer(found, user)
        self.stdout.write(f"{username} now maintains {found.link_name}.")
