"""The review states a project starts with (Patchwork's defaults), and lookups by slug.

States are data (editable in the admin), but ingest and superseding need a
few of them to exist; :func:`state` recreates a missing default rather than
fail on mail.
"""

from __future__ import annotations

from reviews.models import State

# (slug, name, action required)
DEFAULT_STATES = (
    ("new", "New", True),
    ("under-review", "Under Review", True),
    ("accepted", "Accepted", False),
    ("rejected", "Rejected", False),
    ("rfc", "RFC", False),
    ("not-applicable", "Not Applicable", False),
    ("changes-requested", "Changes Requested", False),
    ("awaiting-upstream", "Awaiting Upstream", False),
    ("superseded", "Superseded", False),
    ("deferred", "Deferred", False),
)


def state(slug: str) -> State:
    """The state with this slug; a default one is created if it went missing."""
    found = State.objects.filter(slug=slug).first()
    if found is not None:
        return found
    ensure_default_states()
    return State.objects.get(slug=slug)


def ensure_default_states() -> None:
    for ordering, (slug, name, action_required) in enumerate(DEFAULT_STATES):
        State.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "ordering": ordering, "action_required": action_required},
        )
