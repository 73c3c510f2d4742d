# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every API view shares: links in the serializer context, filters, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, generics

from reviews.api.links import Links

__all__ = ["ApiView", "OrderingFilter", "call_service"]

T = TypeVar("T")


class OrderingFilter(filters.OrderingFilter):
    ordering_param = "order"


class ApiView(generics.GenericAPIView):
    """A Patchwork resource view: filters, ``order=`` and per-version links."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not hasattr(self, "_links"):
            self._links = Links(self.request, self.kwargs.get("version"))
        context["links"] = self._links
        return context


def call_service(service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a write service; its refusals become 403, its complaints 400."""
    try:
        return service(*args, **kwargs)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"detail": exc.messages}) from exc
