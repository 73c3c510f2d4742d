# SPDX-License-Identifier: AGPL-3.0-or-later
"""Properties of the pure parsing layer on hostile mail: no crash, same answer every time.

``parse_message`` may only raise ``UnparseableMessage`` (the caller quarantines
the bytes); the review analysis of anything it returns must not raise at all,
since a crash there would file good mail as "analysis failure".
"""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from archive.parsing import (
    ParsedMessage,
    UnparseableMessage,
    decode_header_value,
    normalize_msgid,
    parse_date,
    parse_message,
)
from archive.patchid import git_patch_id
from reviews.analysis import MailAnalysis, analyze_message
from reviews.diffs import diffstat, find_patch, find_pull_url
from reviews.hashing import patchwork_hash
from reviews.subjects import parse_subject
from reviews.trailers import extract_trailers
from tests.conftest import REPO
from tests.fuzz.seeds import project_seeds, shared_seeds
from tests.fuzz.strategies import DIFF, any_mail, mutated


def parse_and_analyze(raw: bytes) -> tuple[ParsedMessage, MailAnalysis] | None:
    """Both layers on one mail; None when the mail is (legitimately) unparseable."""
    try:
        parsed = parse_message(raw)
    except UnparseableMessage:
        return None
    return parsed, analyze_message(parsed)


def check_mail(raw: bytes) -> None:
    first = parse_and_analyze(raw)
    assert parse_and_analyze(raw) == first  # deterministic, also after the first call
    if first is not None:
        parsed, _ = first
        assert parsed.size == len(raw)
        assert "\x00" not in parsed.msgid and parsed.msgid.strip() == parsed.msgid
        assert parsed.msgid not in parsed.references


@given(any_mail(project_seeds()))
def test_project_mail_parses_without_crash_and_deterministically(raw: bytes) -> None:
    check_mail(raw)


@given(st.data())
def test_shared_corpus_mail_parses_without_crash_and_deterministically(data) -> None:
    check_mail(data.draw(mutated(shared_seeds()), label="mail"))


_TEXT = st.one_of(
    st.text(max_size=500),
    st.sampled_from([DIFF, "Re: [PATCH v2 03/10] x", "Reviewed-by: A <a@b>"]).flatmap(
        lambda seed: st.text(max_size=100).map(lambda noise: seed + noise)
    ),
)


@given(_TEXT)
def test_pure_text_helpers_never_raise(text: str) -> None:
    # Each helper sees arbitrary header or body text once mail is decoded.
    assert normalize_msgid(text) == normalize_msgid(text)
    parse_date(text)
    decode_header_value(text)
    assert parse_subject(text) == parse_subject(text)
    extract_trailers(text)
    extract_trailers(text, from_reply=True)
    find_patch(text, [("text/x-patch", "a.patch", text)])
    find_pull_url(text)
    diffstat(text)
    patchwork_hash(text)
    git_patch_id(text)


_DIGEST_SCRIPT = """
import hashlib, sys
from tests.fuzz.test_parsing_properties import parse_and_analyze
from tests.fuzz.seeds import project_seeds
digest = hashlib.sha256()
for raw in project_seeds():
    digest.update(repr(parse_and_analyze(raw)).encode("utf-8", "surrogatepass"))
print(digest.hexdigest())
"""


def _digest_with_hash_seed(seed: str) -> str:
    # No django.setup(): the parsing layer must not need Django (STYLE.md, principle 1).
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", _DIGEST_SCRIPT],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def test_parsing_does_not_depend_on_the_hash_seed() -> None:
    # Set iteration order changes with PYTHONHASHSEED: a parse that leaked it
    # would give reparse and re-ingest different results on another run.
    assert _digest_with_hash_seed("1") == _digest_with_hash_seed("2")
