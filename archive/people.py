# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one write path for who is who: merging addresses into one person and undoing it.

An address merged into another keeps its own row (its mail still says where
it came from, and ``reparse`` never touches people, so merges outlive it); it
only points to the row pages and the API show instead (``Person.canonical``).
There are no chains: a canonical row is never itself an alias.

Two addresses are merged only when their names match (:func:`same_name`) and
someone said so: a mailmap file (:func:`apply_mailmap`, ``manage.py mailmap``)
or an administrator (the Person admin). ``force`` merges across different
names, for a person who changed theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from archive.mailmap import MailmapEntry, same_name
from archive.models import AliasOrigin, Person

__all__ = ["MailmapReport", "MergeResult", "apply_mailmap", "merge_people", "unmerge_people"]

log = logging.getLogger("threadwork.people")


@dataclass
class MergeResult:
    target: Person
    merged: list[Person] = field(default_factory=list)
    # An address left apart, and why (a sentence for the admin or the command).
    refused: list[tuple[Person, str]] = field(default_factory=list)


def merge_people(
    target: Person,
    others: Iterable[Person],
    *,
    origin: str,
    also_named: Sequence[str] = (),
    force: bool = False,
) -> MergeResult:
    """Make ``others`` (and whoever is already merged with them) aliases of ``target``.

    ``target`` becomes the row shown, even if it was an alias until now; the
    people already merged with it come along. An address whose name differs
    from ``target``'s and from every name in ``also_named`` is refused
    unless ``force``.
    """
    with transaction.atomic():
        target = Person.objects.select_for_update().get(pk=target.pk)
        result = MergeResult(target)
        names = [target.name, *also_named]
        roots: set[int] = {target.identity_id}
        for other in Person.objects.select_for_update().filter(pk__in=[o.pk for o in others]):
            if other.pk == target.pk or other.identity_id == target.identity_id:
                continue
            if not force and not any(same_name(other.name, n) for n in names):
                result.refused.append((other, _differs(other, target)))
                continue
            roots.add(other.identity_id)
            result.merged.append(other)
        members = Person.objects.filter(Q(pk__in=roots) | Q(canonical_id__in=roots)).exclude(
            pk=target.pk
        )
        # Addresses merged before keep the origin that merged them.
        members.filter(Q(canonical__isnull=True) | Q(pk__in=[p.pk for p in result.merged])).update(
            canonical=target, alias_origin=origin
        )
        members.update(canonical=target)
        Person.objects.filter(pk=target.pk).update(canonical=None, alias_origin="")
        target.canonical, target.alias_origin = None, ""
    for person in result.merged:
        log.info("%s merged into %s (%s)", person.email, target.email, origin)
    return result


def unmerge_people(people: Iterable[Person]) -> int:
    """Split ``people`` off: an alias stands alone again; a canonical row loses its aliases.

    Returns how many addresses now stand alone that did not before.
    """
    ids = [p.pk for p in people]
    with transaction.atomic():
        split = Person.objects.filter(
            Q(pk__in=ids, canonical__isnull=False) | Q(canonical_id__in=ids)
        )
        emails = list(split.values_list("email", flat=True))
        count = split.update(canonical=None, alias_origin="")
    for email in emails:
        log.info("%s unmerged", email)
    return count


@dataclass
class MailmapReport:
    merged: list[str] = field(default_factory=list)  # "old@x -> proper@y"
    renamed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # sentences, with the line number
    unmerged: list[str] = field(default_factory=list)


def apply_mailmap(
    entries: Sequence[MailmapEntry], *, force: bool = False, prune: bool = False
) -> MailmapReport:
    """Merge what ``entries`` say, in one transaction (all of the file or none of it).

    Paired addresses the archive has not seen yet get a row now, already
    merged, so their first mail lands on the right person; a line that only
    names an address renames it if it has written. Names given in the file
    become the names shown. ``prune`` unmerges addresses an earlier mailmap
    merged that this one no longer mentions.
    """
    report = MailmapReport()
    with transaction.atomic():
        for entry in entries:
            _apply_entry(entry, report, force=force)
        if prune:
            _prune(entries, report)
    return report


def _apply_entry(entry: MailmapEntry, report: MailmapReport, *, force: bool) -> None:
    if not entry.merges:
        # A name for one address: nothing to hold for mail that never came.
        found = Person.objects.filter(email=entry.proper_email).first()
        if found is not None and entry.proper_name:
            _rename(found, entry.proper_name, report)
        return
    target = _person(entry.proper_email, entry.proper_name)
    if entry.proper_name:
        _rename(target, entry.proper_name, report)
    other = _person(entry.commit_email, entry.commit_name)
    if entry.commit_name and not same_name(other.name, entry.commit_name):
        # gitmailmap(5): a line naming the old name maps only mail with that name.
        report.refused.append(
            f"line {entry.line}: {other.email} is {other.name!r} here, "
            f"not {entry.commit_name!r} as the line says"
        )
        return
    also = [entry.commit_name] if entry.commit_name else []
    result = merge_people(
        target, [other], origin=str(AliasOrigin.MAILMAP), also_named=also, force=force
    )
    report.merged += [f"{p.email} -> {target.email}" for p in result.merged]
    report.refused += [f"line {entry.line}: {why}" for _, why in result.refused]


def _rename(person: Person, name: str, report: MailmapReport) -> None:
    if person.name != name:
        Person.objects.filter(pk=person.pk).update(name=name[:255])
        report.renamed.append(f"{person.email}: {person.name!r} -> {name!r}")
        person.name = name


def _person(email: str, name: str) -> Person:
    person, _ = Person.objects.get_or_create(email=email, defaults={"name": name[:255]})
    return person


def _prune(entries: Sequence[MailmapEntry], report: MailmapReport) -> None:
    said = {(e.commit_email, e.proper_email) for e in entries if e.merges}
    stale = [
        p
        for p in Person.objects.filter(alias_origin=AliasOrigin.MAILMAP).select_related("canonical")
        if p.canonical is not None and (p.email, p.canonical.email) not in said
    ]
    unmerge_people(stale)
    report.unmerged += [p.email for p in stale]


def _differs(other: Person, target: Person) -> str:
    return (
        f"{other.email} is named {other.name!r}, not {target.name!r}: "
        "merge it anyway only if they are the same person"
    )
