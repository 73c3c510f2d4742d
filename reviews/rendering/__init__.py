# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail text and diffs as HTML.

``mail`` and ``diff`` are pure (text in, escaped HTML out; no Django); ``cache``
keeps their output in the Django cache so a page renders each text once.
"""
