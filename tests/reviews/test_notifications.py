# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py notify`` against a real SMTP server (aiosmtpd on loopback): who gets what, once."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from io import StringIO
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from reviews import services
from reviews.models import NotificationOptOut, Project, State
from tests.landingrepo import A1, A2, A3, A4, B1, B2, MBOX, MaintainerTree, follow, patch, track

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def take(self) -> list[tuple[list[str], Message]]:
        mails, self.mails = self.mails, []
        return mails


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.DEFAULT_FROM_EMAIL = "threadwork@example.org"
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def project(ingest_file) -> Project:
    ingest_file(MBOX, "linux-rtc")
    project = Project.objects.get()
    project.notify_submitters, project.notify_interval = True, 30
    project.save(update_fields=["notify_submitters", "notify_interval"])
    return project


def notify(*args: str) -> str:
    out = StringIO()
    call_command("notify", "--base-url", "https://patches.example.org", *args, stdout=out)
    return out.getvalue()


def body(mail: Message) -> str:
    return mail.get_content().replace("\r\n", "\n")


def test_each_submitter_gets_one_mail_per_series_with_every_change(project, inbox, tmp_path):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123-boss")
    tree = MaintainerTree(tmp_path)
    a1 = tree.am(A1)
    tree.am(A2)
    tree.am(B1)
    tree.am(B2)
    follow(project, tree, "main", "accepted")
    track(project)
    services.set_patch_state(boss, patch(A3), State.objects.get(slug="changes-requested"))
    services.set_patch_state(boss, patch(A4), State.objects.get(slug="rejected"))

    assert "2 mails about 6 patches" in notify()
    mails = {tuple(to): mail for to, mail in inbox.take()}
    assert set(mails) == {("alice@example.org",), ("bob@example.net",)}
    alice = mails[("alice@example.org",)]
    assert alice["Subject"] == (
        "[linux-rtc] rtc: demo: alarm fix, cleanups and the offset register: "
        "2 accepted, 1 changes requested, 1 rejected"
    )
    assert alice["In-Reply-To"] == "<cover.1706777940.git.alice@example.org>"
    assert alice["Auto-Submitted"] == "auto-generated"
    text = body(alice)
    assert f"accepted, landed in main as {a1[:12]}" in text
    assert "[3/4] rtc: demo: switch to devm_rtc_allocate_device\n    changes requested" in text
    assert "https://patches.example.org/project/linux-rtc/patch/" in text
    assert "2 accepted" in mails[("bob@example.net",)]["Subject"]

    assert "waiting" in notify()
    assert inbox.take() == []


def test_mails_wait_for_the_interval_and_then_tell_what_came_since(project, inbox, tmp_path):
    tree = MaintainerTree(tmp_path)
    tree.am(A1)
    follow(project, tree, "main", "accepted")
    track(project)
    notify()
    assert len(inbox.take()) == 1
    tree.am(A2)
    track(project)
    assert "waiting" in notify()
    assert inbox.take() == []
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("django.utils.timezone.now", return_value=later):
        notify()
    (to, mail), *rest = inbox.take()
    assert not rest and to == ["alice@example.org"]
    text = body(mail)
    assert "drop the unused member" in text and "fix off-by-one" not in text


def test_a_submitter_can_opt_out_from_the_link_in_the_mail(project, inbox, tmp_path, client):
    tree = MaintainerTree(tmp_path)
    tree.am(B1)
    follow(project, tree, "main", "accepted")
    track(project)
    notify()
    [(_, mail)] = inbox.take()
    link = re.search(r"https://patches\.example\.org(/notifications/opt-out/\S+/)", body(mail))
    assert link and mail["List-Unsubscribe"].endswith(f"{link.group(1)}>")
    page = client.get(link.group(1))
    assert page.status_code == 200 and b"Stop these mails" in page.content
    assert not NotificationOptOut.objects.exists()  # asking changes nothing
    client.post(link.group(1))
    assert NotificationOptOut.objects.get().email == "bob@example.net"

    tree.am(B2)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=1)):
        track(project)
        notify()
    assert inbox.take() == []
    assert client.get("/notifications/opt-out/not-a-token/").status_code == 400


def test_projects_without_notifications_send_nothing(project, inbox, tmp_path):
    project.notify_submitters = False
    project.save(update_fields=["notify_submitters"])
    tree = MaintainerTree(tmp_path)
    tree.am(A1)
    follow(project, tree, "main", "accepted")
    track(project)
    assert notify() == ""
    assert inbox.take() == []
