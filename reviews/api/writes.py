# SPDX-License-Identifier: AGPL-3.0-or-later
"""Input of the API's writes, form-encoded (git-pw) or JSON (pwclient).

These only parse and look up; the changes themselves are made by
``reviews.services`` so the API records the same Events as the web UI.
Booleans accept true/false/True/False/yes/no/1/0.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import slugify
from rest_framework import serializers

from reviews.api.links import parse_bool
from reviews.models import CheckState, Patch, State

__all__ = ["BundleInput", "CheckInput", "PatchInput"]


class LenientBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        flag = parse_bool(data)
        if flag is None:
            self.fail("invalid", input=data)  # raises ValidationError
        return bool(flag)


class PatchInput(serializers.Serializer):
    state = serializers.CharField(required=False)
    delegate = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    archived = LenientBooleanField(required=False)
    commit_ref = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=255
    )

    def validate_state(self, value: str) -> State:
        slug = slugify(value.lower())
        state = State.objects.filter(slug=slug).first()
        if state is None:
            choices = ", ".join(State.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(f"Invalid state {value}. Expected one of: {choices}.")
        return state

    def validate_delegate(self, value: str | None) -> Any:
        if value in (None, ""):
            return None
        users = get_user_model().objects
        user = (
            users.filter(pk=int(value)).first()
            if value.isdecimal()
            else users.filter(username=value).first()
        )
        if user is None:
            raise serializers.ValidationError(f"No user {value}.")
        return user

    def validate_commit_ref(self, value: str | None) -> str:
        return value or ""


class CheckInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=CheckState.choices)
    target_url = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=2000
    )
    context = serializers.CharField(required=False, allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class BundleInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    patches = serializers.PrimaryKeyRelatedField(many=True, queryset=Patch.objects.all())
    public = LenientBooleanField(required=False, default=False)
