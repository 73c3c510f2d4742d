# SPDX-License-Identifier: AGPL-3.0-or-later
"""Admin: configuration is edited here; review data only through the services.

Projects and states are configuration: saved through
``services.save_configuration`` so cached pages show the edit at once.
Patches and series are derived from mail: the admin shows them read-only
except what a maintainer decides (state, delegate, archived, commit; a
series' name), which it saves through the same services as the web UI and
the API, with their permission rules and Events. Covers, checks, bundles and
the event log are read-only; nothing derived or historical is deleted here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from reviews import services
from reviews.models import (
    Bundle,
    Check,
    Cover,
    Event,
    GitBranch,
    GitTree,
    Patch,
    Project,
    Series,
    State,
)  # fmt: skip
from reviews.patchtext import TEXT_FIELDS


class _Configuration(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_configuration(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_configuration(obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.delete_configuration(obj)


@admin.register(Project)
class ProjectAdmin(_Configuration):
    list_display = ("link_name", "name", "list_id", "auto_supersede", "trust_patchwork_headers")
    search_fields = ("link_name", "name", "list_id")
    filter_horizontal = ("maintainers", "check_reporters")
    readonly_fields = ("mailing_list",)


class GitBranchInline(admin.TabularInline):
    model = GitBranch
    extra = 1
    fields = ("name", "means", "last_commit", "checked")
    readonly_fields = ("last_commit", "checked")  # where track-git got to: its own


@admin.register(GitTree)
class GitTreeAdmin(_Configuration):
    """Git trees a project follows (``manage.py track-git``); configuration, like projects."""

    list_display = ("path", "project")
    list_filter = ("project",)
    inlines = (GitBranchInline,)


@admin.register(State)
class StateAdmin(_Configuration):
    list_display = ("name", "slug", "ordering", "action_required")
    list_editable = ("ordering", "action_required")


class _ReadOnly(admin.ModelAdmin):
    """Shown, never written: derived rows and history."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _Derived(_ReadOnly):
    """Derived rows with a few fields people decide; those save through the services."""

    editable: tuple[str, ...] = ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            f.name
            for f in self.model._meta.concrete_fields
            if f.name not in self.editable and not f.primary_key
        ]


class PatchAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.check_delegate(self.instance.project, data.get("delegate"))
        except ValidationError as error:
            self.add_error("delegate", error)
        return data


@admin.register(Patch)
class PatchAdmin(_Derived):
    form = PatchAdminForm
    editable = ("state", "delegate", "archived", "commit_ref")
    list_display = ("name", "project", "state", "delegate", "archived", "date")
    list_filter = ("project", "state", "archived")
    search_fields = ("name",)
    list_select_related = ("project", "state", "delegate")
    raw_id_fields = ("delegate",)
    # The texts are shown as they read, not as their columns and spans in the body.
    exclude = TEXT_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        shown = [f for f in super().get_readonly_fields(request, obj) if f not in TEXT_FIELDS]
        return [*shown, "commit_message", "diff"]

    def save_model(self, request: HttpRequest, obj: Patch, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.update_patch(
            request.user, obj, state=data["state"], delegate=data["delegate"],
            archived=data["archived"], commit_ref=data["commit_ref"],
        )  # fmt: skip


@admin.register(Series)
class SeriesAdmin(_Derived):
    editable = ("name",)
    list_display = ("name", "project", "version", "total", "received_total", "date")
    list_filter = ("project",)
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Series, form: Any, change: bool) -> None:
        services.rename_series(request.user, obj, form.cleaned_data["name"])


@admin.register(Cover)
class CoverAdmin(_ReadOnly):
    list_display = ("name", "project", "date")


@admin.register(Check)
class CheckAdmin(_ReadOnly):
    list_display = ("patch", "context", "state", "user", "date")


@admin.register(Bundle)
class BundleAdmin(_ReadOnly):
    list_display = ("name", "owner", "project", "public")


@admin.register(Event)
class EventAdmin(_ReadOnly):
    list_display = ("category", "project", "actor", "date")
    list_filter = ("category", "project")
