# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a parse worker sends the ingest writer (#21).

The headers and the search terms are read in the worker (the processors'
analysis, ``incoming.Prepared``) and left out of what is pickled back.
"""

from __future__ import annotations

import pickle

import pytest

from archive.ingest import _analyse_chunk
from archive.parsing import parse_message

MAIL = b"""From: Ann Author <ann@example.org>
To: linux-rtc@vger.kernel.org
Cc: Bob Reviewer <bob@example.com>
Subject: [PATCH] rtc: foo: fix the alarm_irq_enable path
Message-ID: <worker-outcome-1@example.org>
Date: Mon, 7 Dec 2026 10:00:00 +0000
X-Patchwork-Hint: ignore

The alarm interrupt was left on.

Signed-off-by: Ann Author <ann@example.org>
---
diff --git a/drivers/rtc/rtc-foo.c b/drivers/rtc/rtc-foo.c
--- a/drivers/rtc/rtc-foo.c
+++ b/drivers/rtc/rtc-foo.c
@@ -1,3 +1,3 @@
 static int foo_alarm_irq_enable(struct device *dev)
-	return 0;
+	return foo_write(dev, FOO_ALARM_ON);
 }
"""


def test_the_writer_gets_the_prepared_terms_and_analysis_but_not_the_headers() -> None:
    [outcome] = _analyse_chunk([MAIL])
    assert outcome.error == "" and outcome.prepared is not None
    full = parse_message(MAIL)
    # read in the worker, before they were left out
    assert outcome.analysis["reviews"].patchwork.ignore
    apart = outcome.prepared.apart.split(" ")
    assert "c:bob@example.com" in apart and "t:linux-rtc@vger.kernel.org" in apart
    staged = set(outcome.prepared.terms.split(" ") + apart)
    # the parse's terms, and those the processors add (reviews: patchid:, the hint)
    assert set(full.search_terms) < staged and "hint:ignore" in staged
    # left out of what crosses back to the writer
    assert outcome.parsed.headers_json == "" and outcome.parsed.search_terms == ()
    shipped = len(pickle.dumps(outcome.parsed))
    assert shipped < len(pickle.dumps(full)) - len(full.headers_json)
    with pytest.raises(ValueError):
        outcome.parsed.headers  # noqa: B018 - a writer reading them must fail, not see none
    # everything else is the worker's parse
    assert outcome.parsed.for_writer() == full.for_writer()
