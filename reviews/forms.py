# SPDX-License-Identifier: AGPL-3.0-or-later
"""Forms of the maintainer workflow: they parse and validate, services change things."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict

from reviews.listing import parse_list_query
from reviews.models import Bundle, Patch, Project, State
from reviews.services.changes import UNSET, Changes

__all__ = [
    "BulkPatchForm",
    "BundleForm",
    "PatchForm",
    "PatchStateForm",
    "SeriesStateForm",
    "selection_digest",
]

NO_CHANGE = ""
ARCHIVE_CHOICES = [(NO_CHANGE, "— no change —"), ("yes", "Archive"), ("no", "Unarchive")]


def _states() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(State.objects.all(), empty_label=None, to_field_name="slug")


def maintainers_of(project: Project):
    return get_user_model().objects.filter(maintained_projects=project).order_by("username")


class PatchStateForm(forms.Form):
    """What a submitter may change on their own patch: the state."""

    state = _states()


class PatchForm(PatchStateForm):
    """What a maintainer may change on a patch."""

    delegate = forms.ModelChoiceField(
        get_user_model().objects.none(), required=False, empty_label="nobody",
    )  # fmt: skip
    archived = forms.BooleanField(required=False)
    commit_ref = forms.CharField(
        required=False, max_length=255, label="Commit",
        widget=forms.TextInput(attrs={"placeholder": "commit hash", "spellcheck": "false"}),
    )  # fmt: skip

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = maintainers_of(project)

    @classmethod
    def for_patch(cls, patch: Patch) -> PatchForm:
        initial = {
            "state": patch.state.slug,
            "delegate": patch.delegate_id,
            "archived": patch.archived,
            "commit_ref": patch.commit_ref,
        }
        return cls(project=patch.project, initial=initial)


class SeriesStateForm(forms.Form):
    """A state for every patch of a series; none is chosen until the maintainer picks one."""

    state = forms.ModelChoiceField(
        State.objects.all(), to_field_name="slug", empty_label="— choose a state —",
        error_messages={"required": "Choose the state to set first."},
    )  # fmt: skip
    selection = forms.CharField(required=False, max_length=64)


MATCHING = "matching"


class BulkPatchForm(forms.Form):
    """Changes to the selected rows of a patch list, or to every patch its filters match.

    Empty choices change nothing. ``patch_ids`` holds the patches chosen, and
    ``selection`` a digest of them: the confirmation carries it back, so what
    is changed is what was named, even if the filters match others by then.
    """

    patch = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    scope = forms.ChoiceField(choices=[("", "selected"), (MATCHING, "matching")], required=False)
    filter = forms.CharField(required=False, max_length=2000)
    selection = forms.CharField(required=False, max_length=64)
    state = forms.ModelChoiceField(
        State.objects.all(), required=False, to_field_name="slug", empty_label="— no change —"
    )
    archived = forms.ChoiceField(choices=ARCHIVE_CHOICES, required=False)
    delegate = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.patch_ids: list[int] = []
        self.maintainers = list(maintainers_of(project))
        self.fields["delegate"].choices = [
            (NO_CHANGE, "— no change —"), ("none", "nobody"),
            *((str(u.pk), u.username) for u in self.maintainers),
        ]  # fmt: skip
        ids = self.data.getlist("patch") if hasattr(self.data, "getlist") else []
        self.fields["patch"].choices = [(i, i) for i in ids]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("scope") == MATCHING:
            query = parse_list_query(QueryDict(data.get("filter") or ""))
            matching = Patch.objects.filter(project=self.project).matching(query)
            self.patch_ids = sorted(matching.values_list("id", flat=True))
            if not self.patch_ids:
                raise forms.ValidationError("No patches match these filters any more.")
            return data
        ids = sorted(set(data.get("patch") or []))
        if not ids:
            raise forms.ValidationError("Select at least one patch first.")
        found = Patch.objects.filter(project=self.project, id__in=ids).count()
        if found != len(ids):
            raise forms.ValidationError("Some selected patches are not in this project.")
        self.patch_ids = ids
        return data

    @property
    def matching(self) -> bool:
        return self.cleaned_data.get("scope") == MATCHING

    def changes(self) -> Changes:
        """The chosen changes, for ``reviews.services.change_patches``."""
        data = self.cleaned_data
        delegate: Any = UNSET
        if data.get("delegate") == "none":
            delegate = None
        elif data.get("delegate"):
            delegate = next(u for u in self.maintainers if str(u.pk) == data["delegate"])
        archived = data["archived"] == "yes" if data.get("archived") else None
        return Changes(state=data.get("state"), archived=archived, delegate=delegate)


def selection_digest(ids: list[int]) -> str:
    """A short digest of a set of patch ids: the confirmation names exactly these."""
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:32]


class BundleForm(forms.Form):
    """Add patches to one of the user's bundles, or to a new one."""

    bundle = forms.ChoiceField(required=False)
    name = forms.CharField(
        required=False, max_length=50, label="New bundle",
        widget=forms.TextInput(attrs={"placeholder": "new bundle name"}),
    )  # fmt: skip
    public = forms.BooleanField(required=False)

    def __init__(self, *args: Any, bundles: list[Bundle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bundles = {str(b.pk): b for b in bundles}
        self.fields["bundle"].choices = [
            ("", "— new bundle —"),
            *((k, b.name) for k, b in self.bundles.items()),
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "/" in name:
            raise forms.ValidationError("A bundle name cannot contain “/”.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("bundle") and not data.get("name"):
            raise forms.ValidationError("Choose one of your bundles or name a new one.")
        return data

    @property
    def chosen(self) -> Bundle | None:
        return self.bundles.get(self.cleaned_data.get("bundle") or "")
