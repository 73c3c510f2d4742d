# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every mail of ``../shared/corpus`` ingests without a crash and none is lost.

Per ``../shared/corpus/README.md``, every file outside ``expected/`` and
``repos/`` folders, other than ``*.md``, ``*.template`` and ``*.patch``, is
mail. Skipped when ``../shared`` is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.ingest import ingest
from archive.models import Message, QuarantinedMail
from archive.sources import iter_source
from tests.conftest import LINUX_RTC, is_corpus_mail, shared_path

pytestmark = pytest.mark.corpus

FOLDERS = [
    "patchwork/mail",
    "patchwork/series",
    "patchwork/fuzz",
    "b4",
    "git-mailinfo",
    "hyperkitty",
    "mailman",
]
LINUX_RTC_MESSAGES = 17_232


def mail_files(folder: Path, root: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_corpus_mail(p, root))


def test_folders_cover_every_mail_file() -> None:
    root = shared_path("corpus")
    covered = {p for folder in FOLDERS for p in mail_files(root / folder, root)}
    everything = set(mail_files(root, root)) - {root / LINUX_RTC}
    assert everything - covered == set()


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_folder_ingests_without_loss(ingest_file, folder: str) -> None:
    root = shared_path("corpus")
    files = mail_files(root / folder, root)
    assert files, f"no mail found in {folder}"
    quarantined_before = 0
    for path in files:
        summary = ingest_file(path)
        name = path.relative_to(root)
        assert summary.read >= 1, name
        assert summary.new + summary.duplicate + summary.quarantined == summary.read, name
        quarantined_now = QuarantinedMail.objects.count()
        # A retried identical quarantined mail counts up attempts instead of a new row.
        assert quarantined_now <= quarantined_before + summary.quarantined, name
        quarantined_before = quarantined_now
    assert Message.objects.real().exists()


# Forked workers need the connection closed, so no enclosing test transaction.
@pytest.mark.django_db(transaction=True)
def test_linux_rtc_ingests_without_loss() -> None:
    path = shared_path("corpus", LINUX_RTC)
    summary = ingest(iter_source(str(path)), workers=2)
    assert summary.read == LINUX_RTC_MESSAGES
    assert summary.new + summary.duplicate + summary.quarantined == summary.read
    assert Message.objects.real().count() == summary.new
    assert QuarantinedMail.objects.count() == summary.quarantined
