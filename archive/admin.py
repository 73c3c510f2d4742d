"""Admin for lists, people and the quarantine; messages are read-only (raw mail is the truth).

People are merged and unmerged only through archive/people.py, as by ``manage.py mailmap``.
"""

from datetime import UTC, datetime
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from archive import people
from archive.models import AliasOrigin, MailingList, Person, QuarantinedMail


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ("name", "list_id", "description", "posting_address")
    search_fields = ("name", "list_id")


class _SharedName(admin.SimpleListFilter):
    """Candidates for merging: addresses whose name another address also has."""

    title = "name"
    parameter_name = "shared"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Shared with another address")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() != "yes":
            return queryset
        shared = (
            Person.objects.exclude(name="")
            .values(folded=Lower("name"))
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values("folded")
        )
        return queryset.annotate(folded=Lower("name")).filter(folded__in=shared)


class _Merged(admin.SimpleListFilter):
    title = "merged"
    parameter_name = "merged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("alias", "Merged into another"), ("canonical", "Has other addresses")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "alias":
            return queryset.filter(canonical__isnull=False)
        if self.value() == "canonical":
            return queryset.filter(aliases__isnull=False).distinct()
        return queryset


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Merges and unmerges go through archive/people.py, as the mailmap command's do."""

    list_display = ("email", "name", "canonical", "alias_origin")
    list_filter = (_Merged, _SharedName)
    search_fields = ("email", "name")
    ordering = ("name", "email")
    readonly_fields = ("canonical", "alias_origin", "other_addresses")
    list_select_related = ("canonical",)
    actions = ["merge", "merge_different_names", "unmerge"]

    @admin.display(description="Other addresses of this person")
    def other_addresses(self, person: Person) -> str:
        others = Person.objects.same_person_as(person.pk).exclude(pk=person.pk)
        return ", ".join(others.order_by("email").values_list("email", flat=True)) or "none"

    @admin.action(description="Merge the selected people into one (names must match)")
    def merge(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._merge(request, queryset, force=False)

    @admin.action(description="Merge the selected people into one, even where names differ")
    def merge_different_names(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._merge(request, queryset, force=True)

    @admin.action(description="Unmerge the selected people")
    def unmerge(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset)
        count = people.unmerge_people(selected)
        for person in selected:
            self.log_change(request, person, "Unmerged.")
        self.message_user(request, f"{count} address(es) now stand alone.", messages.SUCCESS)

    def _merge(self, request: HttpRequest, queryset: QuerySet, *, force: bool) -> None:
        selected = list(queryset)
        if len(selected) < 2:
            self.message_user(request, "Select two or more people to merge.", messages.WARNING)
            return
        target = _shown_one(selected)
        result = people.merge_people(target, selected, origin=str(AliasOrigin.ADMIN), force=force)
        if result.merged:
            merged = ", ".join(p.email for p in result.merged)
            self.message_user(request, f"Merged {merged} into {target}.", messages.SUCCESS)
        # Who merged what, in each address's admin history.
        for person in result.merged:
            self.log_change(request, person, f"Merged into {target.email}.")
        for _, why in result.refused:
            self.message_user(request, f"Not merged: {why}.", messages.WARNING)


def _shown_one(selected: list[Person]) -> Person:
    """The address to show: one already shown for others, else the one mail came from last
    (the address the person uses now, as a kernel .mailmap would name it)."""
    chosen = Person.objects.filter(pk__in=[p.pk for p in selected])
    # Two queries: aggregating both over one join would multiply the alias counts.
    aliases = dict(chosen.annotate(n=Count("aliases")).values_list("pk", "n"))
    latest = dict(chosen.annotate(d=Max("messages__date")).values_list("pk", "d"))
    never = datetime.min.replace(tzinfo=UTC)
    return max(selected, key=lambda p: (aliases[p.pk], latest[p.pk] or never, -p.pk))


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(admin.ModelAdmin):
    list_display = ("id", "reason", "size", "origin", "received", "attempts")
    list_filter = ("reason",)
    readonly_fields = ("data", "sha256", "size", "reason", "detail", "origin", "received")
