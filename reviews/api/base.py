# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every API view shares: links in the serializer context, filters, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, generics

from reviews.api.links import Links

__all__ = ["ApiView", "OrderingFilter", "call_service"]

T = TypeVar("T")


class OrderingFilter(filters.OrderingFilter):
    """``order=``, where a view may also sort by a value computed in SQL.

    A view's ``ordering_expressions`` maps such a name (one of its
    ``ordering_fields``, a model property rather than a column, like a
    series' ``received_all``) to the expression PostgreSQL sorts by.
    """

    ordering_param = "order"

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        computed: dict[str, Any] = getattr(view, "ordering_expressions", {})
        terms = []
        for term in ordering:
            expression = computed.get(term.lstrip("-"))
            if expression is None:
                terms.append(term)
            else:
                terms.append(expression.desc() if term.startswith("-") else expression.asc())
        return queryset.order_by(*terms)


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
