# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hypothesis profiles: "default" is small, for ``make test``; "fuzz" is the long run.

``make fuzz`` selects the long one with ``HYPOTHESIS_PROFILE=fuzz``. Failing
examples are remembered under .data/ (git-ignored, like the database), so a
failure found by a long run is replayed first by the next ``make test``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.conftest import REPO

_COMMON = {
    # Mail parsing time varies with the input (1 MB bodies, deep MIME), and
    # database examples share a function-scoped transaction on purpose: each
    # example runs in its own savepoint (see test_pipeline.py).
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "database": DirectoryBasedExampleDatabase(REPO / ".data" / "hypothesis"),
    "print_blob": True,
}

settings.register_profile("default", max_examples=20, **_COMMON)
settings.register_profile("fuzz", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
