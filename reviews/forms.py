# SPDX-License-Identifier: AGPL-3.0-or-later
"""Forms of the maintainer workflow: they parse and validate, services change things."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from reviews.models import Bundle, Patch, Project, State

__all__ = [
    "BulkPatchForm",
    "BundleForm",
    "PatchForm",
    "PatchStateForm",
    "SeriesStateForm",
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
    state = _states()


class BulkPatchForm(forms.Form):
    """Changes to the selected rows of a patch list; empty choices change nothing."""

    patch = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={
        "required": "Select at least one patch first.",
    })  # fmt: skip
    state = forms.ModelChoiceField(
        State.objects.all(), required=False, to_field_name="slug", empty_label="— no change —"
    )
    archived = forms.ChoiceField(choices=ARCHIVE_CHOICES, required=False)
    delegate = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.maintainers = list(maintainers_of(project))
        self.fields["delegate"].choices = [
            (NO_CHANGE, "— no change —"), ("none", "nobody"),
            *((str(u.pk), u.username) for u in self.maintainers),
        ]  # fmt: skip
        ids = self.data.getlist("patch") if hasattr(self.data, "getlist") else []
        self.fields["patch"].choices = [(i, i) for i in ids]

    def clean_patch(self) -> list[Patch]:
        ids = self.cleaned_data["patch"]
        patches = list(Patch.objects.filter(project=self.project, id__in=ids).order_by("id"))
        if len(patches) != len(set(ids)):
            raise forms.ValidationError("Some selected patches are not in this project.")
        return patches

    def changes(self) -> dict[str, Any]:
        """``update_patch`` keyword arguments for the chosen changes."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        if data.get("state"):
            out["state"] = data["state"]
        if data.get("archived"):
            out["archived"] = data["archived"] == "yes"
        if data.get("delegate") == "none":
            out["delegate"] = None
        elif data.get("delegate"):
            out["delegate"] = next(u for u in self.maintainers if str(u.pk) == data["delegate"])
        return out


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
