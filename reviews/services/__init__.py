# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every change to review state goes through here, in a transaction, with its Event.

A person's change (web, API, admin, a command) and an automatic one (ingest
superseding older revisions) take the same road: a function of this package
checks permission, writes, and records the Event through
:func:`reviews.services.events.record`, which also moves the pages' change
stamp. Nothing else writes states, delegates, archived flags, commit
references, series names, checks or events.
"""

from __future__ import annotations

from reviews.services.accounts import regenerate_api_token
from reviews.services.bundles import (
    add_bundle_patches,
    check_bundle_owner,
    create_bundle,
    delete_bundle,
    remove_bundle_patch,
    update_bundle,
)
from reviews.services.changes import (
    Changes,
    Undone,
    change_patches,
    check_change_patches,
    check_undo,
    undo_change,
)
from reviews.services.checks import create_check
from reviews.services.mailheaders import apply_patchwork_headers
from reviews.services.patches import (
    delegate_patch,
    rename_series,
    set_commit_ref,
    set_patch_archived,
    set_patch_state,
    set_series_state,
    update_patch,
)
from reviews.services.permissions import (
    can_change_patch,
    can_change_state,
    check_change_patch,
    check_delegate,
    check_maintainer,
    is_maintainer,
    is_submitter,
)
from reviews.services.projects import add_maintainer, delete_configuration, save_configuration
from reviews.services.supersede import (
    SUPERSEDABLE,
    supersede_late_arrivals,
    supersede_replaced,
    undo_stranded,
)

__all__ = [
    "SUPERSEDABLE",
    "Changes",
    "Undone",
    "add_bundle_patches",
    "add_maintainer",
    "apply_patchwork_headers",
    "can_change_patch",
    "can_change_state",
    "change_patches",
    "check_bundle_owner",
    "check_change_patch",
    "check_change_patches",
    "check_delegate",
    "check_maintainer",
    "check_undo",
    "create_bundle",
    "create_check",
    "delegate_patch",
    "delete_bundle",
    "delete_configuration",
    "is_maintainer",
    "is_submitter",
    "regenerate_api_token",
    "remove_bundle_patch",
    "rename_series",
    "save_configuration",
    "set_commit_ref",
    "set_patch_archived",
    "set_patch_state",
    "set_series_state",
    "supersede_late_arrivals",
    "supersede_replaced",
    "undo_change",
    "undo_stranded",
    "update_bundle",
    "update_patch",
]
