"""Issue 16's "done when", on a fixture thread cut from linux-rtc: the NCT6694 v12 1/7
page shows Oliver Neukum's question under the ``}`` closing the ``while (*int_status)``
loop, v12's changelog and the link to the v11 -> v12 interdiff."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATA

THREAD = DATA / "anchors" / "nct6694-v11-v12-review.mbox"
BASE = "/project/linux-rtc/patch"
V11 = "20250520020355.3885597-2-tmyu0@nuvoton.com"
V12 = "20250604041418.1188792-2-tmyu0@nuvoton.com"
QUESTION = "Does modifying the byte have any benefit?"


def _row_after(html: str, row_start: str) -> str:
    at = html.index(row_start)
    following = html.index("<tr", at + 1)
    return html[following : html.index("</tr>", following) + 5]


@pytest.mark.django_db
def test_the_question_sits_under_the_loops_closing_brace(client, ingest_file):
    ingest_file(THREAD)
    html = client.get(f"{BASE}/{V12}/").content.decode()
    # New line 212 is the "}" right below "*int_status &= ~BIT(irq);".
    brace = '<tr class="add answered"><td class="ln" data-ln=""></td><td class="ln" data-ln="212">'
    before = html[: html.index(brace)]
    assert (
        re.sub(r"<[^>]+>", "", before[before.rindex("<tr") :])
        .strip()
        .endswith("*int_status &amp;= ~BIT(irq);")
    )
    under = _row_after(html, brace)
    assert under.startswith('<tr class="answers"') and QUESTION in under
    assert "Oliver Neukum" in under
    changelog = html[html.index('<section class="box commit changelog"') :]
    assert "Changes since version 11:" in changelog[: changelog.index("</section>")]
    link = f'href="{BASE}/{V12}/interdiff/{V11}/"'
    assert link in html
    interdiff = client.get(f"{BASE}/{V12}/interdiff/{V11}/")
    assert interdiff.status_code == 200
    assert "irq_domain_create_simple" in interdiff.content.decode()
