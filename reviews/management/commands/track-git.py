# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py track-git``: mark patches found in followed git branches (README, cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.models import LandingMeaning, Project
from reviews.services.landings import add_git_branch
from reviews.tracking import track_projects


class Command(BaseCommand):
    help = (
        "Read new commits of every followed git branch (or one project's) and mark the "
        "patches they carry; with --add-tree, follow a branch of a repository instead."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--project", help="a project's link name (default: every project)")
        parser.add_argument("--add-tree", metavar="PATH", help="follow a local git repository")
        parser.add_argument("--branch", action="append", default=[],
                            help="with --add-tree: a branch to follow (repeatable)")  # fmt: skip
        parser.add_argument("--means", default=LandingMeaning.ACCEPTED,
                            choices=LandingMeaning.values,
                            help="with --add-tree: what landing on the branch means")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        projects = self._projects(options["project"])
        if options["add_tree"]:
            self._add(projects, options["add_tree"], options["branch"], options["means"])
            return
        failed = 0
        for run in track_projects(projects):
            failed += bool(run.skipped.startswith("git"))
            self.stdout.write(run.line())
        if failed:
            raise CommandError(f"{failed} branch(es) could not be read; see the lines above.")

    def _projects(self, link_name: str | None) -> list[Project]:
        if link_name is None:
            return list(Project.objects.all())
        found = Project.objects.filter(link_name=link_name).first()
        if found is None:
            known = ", ".join(Project.objects.values_list("link_name", flat=True)) or "none yet"
            raise CommandError(f"No project {link_name!r}. Known projects: {known}.")
        return [found]

    def _add(self, projects: list[Project], path: str, branches: list[str], means: str) -> None:
        if len(projects) != 1 or not branches:
            raise CommandError("--add-tree needs --project and at least one --branch.")
        for name in branches:
            add_git_branch(projects[0], path, name, means)
            self.stdout.write(f"{projects[0].link_name} follows {name} of {path} ({means}).")
