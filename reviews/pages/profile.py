# SPDX-License-Identifier: AGPL-3.0-or-later
"""The user's own page: API token, delegated patches to act on, bundles, projects."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from rest_framework.authtoken.models import Token

from reviews import services
from reviews.checks import check_state_expression
from reviews.models import Bundle, Patch, Project
from reviews.pages.posting import login_first

__all__ = ["profile", "regenerate_token"]


@dataclass
class TodoList:
    project: Project
    patches: list[Patch]


@dataclass
class ProfilePage:
    token: Token | None
    todo: list[TodoList]
    bundles: list[Bundle]
    projects: list[Project]

    @property
    def todo_count(self) -> int:
        return sum(len(t.patches) for t in self.todo)


def todo_lists(user) -> list[TodoList]:
    """Patches delegated to ``user`` that still need action, grouped by project."""
    patches = (
        Patch.objects.filter(delegate=user)
        .action_required()
        .for_list()
        .annotate(check_state=check_state_expression())
        .order_by("project__link_name", "-date", "-id")
    )
    return [
        TodoList(project=group[0].project, patches=group)
        for group in (list(g) for _, g in groupby(patches, key=lambda p: p.project_id))
    ]


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = ProfilePage(
        token=Token.objects.filter(user=user).first(),
        todo=todo_lists(user),
        bundles=list(Bundle.objects.filter(owner=user).select_related("project").order_by("name")),
        projects=list(Project.objects.filter(maintainers=user).order_by("link_name")),
    )
    return render(request, "reviews/profile.html", {"view": page})


@login_first
def regenerate_token(request: HttpRequest) -> HttpResponse:
    """Create the user's API token, or replace it (the old one stops working at once)."""
    _, replaced = services.regenerate_api_token(request.user)
    messages.success(
        request, "Your API token was regenerated; the old one no longer works." if replaced
        else "Your API token was created.",
    )  # fmt: skip
    return HttpResponseRedirect("/user/")
