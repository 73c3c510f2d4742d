"""mbox and raw downloads: headers clients rely on, collected trailers, series and bundles."""

from __future__ import annotations

import email
import mailbox
import re
from pathlib import Path

from tests.api.conftest import V1_PATCH1, V1_PATCH2, V2_PATCH2

REVIEWED = "Reviewed-by: Bob Reviewer <bob@example.org>"
ACKED = "Acked-by: Carol Maintainer <carol@example.org>"
TESTED = "Tested-by: Bob Reviewer <bob@example.org>"


def _filename(response) -> str:
    match = re.fullmatch(
        r"attachment; filename=([^\s\"';]+\.patch)", response["Content-Disposition"]
    )
    assert match, response["Content-Disposition"]
    return match.group(1)


def _messages(data: bytes, tmp_path: Path) -> list[mailbox.mboxMessage]:
    path = tmp_path / "out.mbox"
    path.write_bytes(data)
    return list(mailbox.mbox(str(path)))


def test_patch_mbox_carries_collected_trailers(client, toy, tmp_path):
    response = client.get(f"/project/toy-rtc/patch/{V1_PATCH1}/mbox/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert _filename(response).endswith(".patch")
    (message,) = _messages(response.content, tmp_path)
    assert message["Message-ID"] == f"<{V1_PATCH1}>"
    assert message["From"] == "Ada Lovelace <ada@example.org>"
    assert message["Subject"].startswith("[PATCH 1/2]") and message["Date"]
    body = message.get_payload(decode=True).decode()
    commit, _, diff = body.partition("\n---\n")
    # Own sign-off first, then the reply's Reviewed-by and the cover letter's Acked-by.
    assert commit.index("Signed-off-by: Ada") < commit.index(REVIEWED) < commit.index(ACKED)
    assert "diff --git" in diff


def test_patch_mbox_with_series_dependencies(client, toy, tmp_path):
    from reviews.models import Patch

    url = f"/project/toy-rtc/patch/{V1_PATCH2}/mbox/"
    deps = _messages(client.get(url, {"series": "*"}).content, tmp_path)
    assert [m["Message-ID"] for m in deps] == [f"<{V1_PATCH1}>", f"<{V1_PATCH2}>"]
    series_id = Patch.objects.get(message__msgid=V1_PATCH2).series_id
    assert len(_messages(client.get(url, {"series": series_id}).content, tmp_path)) == 2
    assert client.get(url, {"series": 999999}).status_code == 404


def test_trailers_of_a_later_revision_are_its_own(client, toy, tmp_path):
    (message,) = _messages(
        client.get(f"/project/toy-rtc/patch/{V2_PATCH2}/mbox/").content, tmp_path
    )
    body = message.get_payload(decode=True).decode()
    assert REVIEWED in body and TESTED in body and ACKED not in body


def test_raw_is_the_mail_as_received(client, toy):
    from archive.models import RawMail

    response = client.get(f"/project/toy-rtc/patch/{V1_PATCH1}/raw/")
    assert response.status_code == 200 and _filename(response)
    raw = RawMail.objects.get(message__msgid=V1_PATCH1)
    assert response.content == raw.mail


def test_series_mbox_every_patch_in_order(client, toy, tmp_path):
    from reviews.models import Patch

    series_id = Patch.objects.get(message__msgid=V1_PATCH1).series_id
    response = client.get(f"/series/{series_id}/mbox/")
    assert _filename(response) == "rtc-toy-input-validation.patch"
    assert response.content.startswith(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
    messages = _messages(response.content, tmp_path)
    assert [m["Message-ID"] for m in messages] == [f"<{V1_PATCH1}>", f"<{V1_PATCH2}>"]
    assert all(ACKED in m.get_payload(decode=True).decode() for m in messages)
    with_cover = _messages(
        client.get(f"/series/{series_id}/mbox/", {"cover": "1"}).content, tmp_path
    )
    assert len(with_cover) == 3 and with_cover[0]["Subject"].startswith("[PATCH 0/2]")


def test_mboxrd_escapes_from_lines(toy):
    from reviews.models import Patch
    from reviews.patch_mbox import patches_mbox

    patch = Patch.objects.select_related("submitter", "message").get(message__msgid=V1_PATCH1)
    patch.commit_message = "From the top.\n>From here too.\n\n" + patch.commit_message
    data = patches_mbox([patch])
    assert b"\n>From the top.\n>>From here too.\n" in data
    body = email.message_from_bytes(data.split(b"\n", 1)[1]).get_payload()
    assert body.startswith(">From the top.")


def test_bundle_mbox_private_to_its_owner(client, accounts, tmp_path):
    from reviews.models import Patch
    from reviews.services import create_bundle

    patches = [Patch.objects.get(message__msgid=m) for m in (V2_PATCH2, V1_PATCH1)]
    create_bundle(accounts.maintainer, "my picks", patches)
    url = "/bundle/carol/my picks/mbox/"
    assert client.get(url).status_code == 404
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {accounts.maintainer_token}")
    assert response.status_code == 200 and _filename(response) == "my-picks.patch"
    messages = _messages(response.content, tmp_path)
    assert [m["Message-ID"] for m in messages] == [f"<{V2_PATCH2}>", f"<{V1_PATCH1}>"]
