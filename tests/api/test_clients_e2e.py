"""End to end: unmodified git-pw and pwclient against the real server on loopback.

CLIENTS.md section 1 and issue 6: the clients run with a fresh HOME holding
only their configuration; the server is pytest-django's live server.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.api import clients_archive
from tests.api.clients_archive import ACKER, REVIEWER
from tests.gitrepo import client_env, git

pytestmark = [
    # Transactional: the real server runs in another thread. Ingest recreates
    # the default states itself if an earlier test's flush removed them.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

BIN = Path(sys.executable).parent
REVIEWED = f"Reviewed-by: {REVIEWER[0]} <{REVIEWER[1]}>"
ACKED = f"Acked-by: {ACKER[0]} <{ACKER[1]}>"


@dataclass
class World:
    mails: clients_archive.Mails
    base_url: str
    token: str
    maintainer: object

    def patch(self, version: str, number: int):
        from reviews.models import Patch

        return Patch.objects.get(message__msgid=self.mails.ids[version][number])

    def run(self, tool: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(BIN / tool), *args], cwd=self.mails.repo, env=self.mails.env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if ok:
            assert done.returncode == 0, f"{tool} {args}: {done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def world(tmp_path: Path, live_server) -> World:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Project
    from reviews.services import add_maintainer

    for tool in ("git-pw", "pwclient"):
        if not (BIN / tool).exists():
            pytest.skip(f"{tool} is not installed in the virtualenv")
    env = client_env(tmp_path / "home")
    mails = clients_archive.build(tmp_path, env)
    summary = ingest(iter_source(str(mails.mbox)), workers=1)
    assert summary.new == 8, summary.line()
    maintainer = get_user_model().objects.create_user("maint", "maint@example.org", "pw-x-12345")
    project = Project.objects.get()
    add_maintainer(project, maintainer)
    token = Token.objects.create(user=maintainer).key
    return World(mails, live_server.url.replace("localhost", "127.0.0.1"), token, maintainer)


def _git_pw_config(world: World, version: str = "1.3") -> None:
    for key, value in (
        ("pw.server", f"{world.base_url}/api/{version}"),
        ("pw.project", "greet"),
        ("pw.token", world.token),
    ):
        git(world.mails.repo, world.mails.env, "config", "--global", key, value)


def _log(world: World) -> list[str]:
    out = git(world.mails.repo, world.mails.env, "log", "--reverse", "--format=%B%x00", "HEAD")
    return [m.strip() for m in out.split("\x00") if m.strip()]


def test_git_pw_patches(world: World, tmp_path: Path) -> None:
    from reviews.models import Event

    _git_pw_config(world)
    v1_first, v1_second = world.patch("v1", 1), world.patch("v1", 2)
    listed = world.run("git-pw", "patch", "list", "--state", "superseded", "--format", "csv")
    assert "hello: greet the world" in listed.stdout and "bye: add a farewell" in listed.stdout
    shown = world.run("git-pw", "patch", "show", str(v1_first.id))
    assert v1_first.message.msgid in shown.stdout
    world.run("git-pw", "patch", "update", "--state", "under-review", "--delegate", "maint",
              "--archived", "true", "--commit-ref", "abc123", str(v1_first.id))  # fmt: skip
    v1_first.refresh_from_db()
    assert (v1_first.state.slug, v1_first.delegate, v1_first.archived, v1_first.commit_ref) == (
        "under-review", world.maintainer, True, "abc123",
    )  # fmt: skip
    categories = set(Event.objects.filter(patch=v1_first, actor=world.maintainer)
                     .values_list("category", flat=True))  # fmt: skip
    assert categories == {
        "patch-state-changed",
        "patch-delegated",
        "patch-archived",
        "patch-commit-ref-changed",
    }

    out = tmp_path / "downloads"
    out.mkdir()
    world.run("git-pw", "patch", "download", str(v1_first.id), str(out))
    (saved,) = out.glob("*.patch")
    assert REVIEWED in saved.read_text() and ACKED in saved.read_text()

    world.run("git-pw", "patch", "apply", str(v1_second.id))  # with its dependency, patch 1
    messages = _log(world)
    assert messages[1].startswith("hello: greet the world")
    assert REVIEWED in messages[1] and ACKED in messages[1]
    assert messages[2].startswith("bye: add a farewell") and ACKED in messages[2]


def test_git_pw_numbers_survive_reparse(world: World) -> None:
    """What a maintainer did with git-pw, and the numbers it knows, outlive a rebuild."""
    from django.core.management import call_command

    _git_pw_config(world)
    first = world.patch("v2", 1)
    world.run("git-pw", "patch", "update", "--state", "accepted", "--commit-ref", "feed42",
              str(first.id))  # fmt: skip
    created = world.run("git-pw", "bundle", "create", "picked", str(first.id))
    before = [world.run("git-pw", "patch", "show", str(first.id)).stdout,
              world.run("git-pw", "series", "show", str(first.series_id)).stdout,
              world.run("git-pw", "bundle", "list").stdout]  # fmt: skip
    assert "picked" in created.stdout and "feed42" in before[0]
    call_command("reparse", stdout=io.StringIO())
    after = [world.run("git-pw", "patch", "show", str(first.id)).stdout,
             world.run("git-pw", "series", "show", str(first.series_id)).stdout,
             world.run("git-pw", "bundle", "list").stdout]  # fmt: skip
    assert after == before


def test_git_pw_series_and_bundles(world: World, tmp_path: Path) -> None:
    _git_pw_config(world, "1.2")
    v1 = world.patch("v1", 1).series
    listed = world.run("git-pw", "series", "list", "--format", "csv")
    assert "greet: friendlier greetings" in listed.stdout
    shown = world.run("git-pw", "series", "show", str(v1.id))
    assert "hello: greet the world" in shown.stdout
    world.run("git-pw", "series", "apply", str(v1.id))
    messages = _log(world)
    assert len(messages) == 3 and REVIEWED in messages[1] and ACKED in messages[1]

    ids = [str(world.patch("v2", n).id) for n in (1, 2)]
    created = world.run("git-pw", "bundle", "create", "--public", "for-next", *ids)
    assert "for-next" in created.stdout
    assert "for-next" in world.run("git-pw", "bundle", "list").stdout
    from reviews.models import Bundle

    bundle = Bundle.objects.get(name="for-next")
    assert [e.patch_id for e in bundle.entries.all()] == [int(i) for i in ids]
    assert "so long" not in world.run("git-pw", "bundle", "show", str(bundle.id)).stdout
    target = tmp_path / "bundle.mbox"
    world.run("git-pw", "bundle", "download", str(bundle.id), str(target))
    text = target.read_text()
    assert text.count("\nFrom mboxrd@z") + text.startswith("From mboxrd@z") == 2
    assert "so long" in text


def test_pwclient_with_one_item_pages(world: World, settings, tmp_path: Path) -> None:
    from reviews.models import Check, Event

    settings.THREADWORK_API_PAGE_SIZE = 1
    rc = Path(world.mails.env["HOME"]) / ".pwclientrc"
    rc.write_text(
        "[options]\ndefault = greet\n\n"
        f"[greet]\nbackend = rest\nurl = {world.base_url}/api/1.2\ntoken = {world.token}\n"
    )
    assert "greet" in world.run("pwclient", "projects").stdout
    listed = world.run("pwclient", "list").stdout  # four patches, one per page
    assert listed.count("hello: greet the world") == 2 and listed.count("bye: add") == 2
    v2_first = world.patch("v2", 1)
    info = world.run("pwclient", "info", str(v2_first.id)).stdout
    assert v2_first.message.msgid in info

    workdir = tmp_path / "get"
    workdir.mkdir()
    env_cwd = world.mails.repo
    world.mails.repo = workdir
    world.run("pwclient", "get", str(v2_first.id))
    world.mails.repo = env_cwd
    (saved,) = workdir.glob("*.patch")
    # v2 drew no replies itself; patch 1 is unchanged since v1 (same patch-id), so
    # the Reviewed-by given to v1's patch 1 is carried, as b4 carries it (#16);
    # the Acked-by given to v1's cover letter is not.
    assert REVIEWED in saved.read_text() and ACKED not in saved.read_text()

    v1_first = world.patch("v1", 1)
    world.run("pwclient", "git-am", str(v1_first.id))
    assert REVIEWED in _log(world)[1] and ACKED in _log(world)[1]

    world.run("pwclient", "update", "-s", "Accepted", str(v2_first.id))
    v2_first.refresh_from_db()
    assert v2_first.state.slug == "accepted"
    event = Event.objects.get(patch=v2_first, category="patch-state-changed")
    assert event.payload["current_state"] == "accepted" and event.actor == world.maintainer

    world.run("pwclient", "check-create", "-c", "ci/build", "-s", "success",
              "-u", "https://ci.example.org/1", "-d", "builds", str(v2_first.id))  # fmt: skip
    world.run("pwclient", "check-create", "-c", "ci/test", "-s", "warning", str(v2_first.id))
    assert Check.objects.filter(patch=v2_first).count() == 2
    checks = world.run("pwclient", "check-list", str(v2_first.id)).stdout
    assert "ci/build" in checks and "ci/test" in checks  # two pages of one


def test_unauthenticated_writes_are_refused(world: World) -> None:
    import requests

    patch = world.patch("v2", 1)
    url = f"{world.base_url}/api/1.3/patches/{patch.id}/"
    assert requests.patch(url, data={"state": "accepted"}, timeout=30).status_code == 401
    bad = {"Authorization": "Token not-a-token"}
    assert (
        requests.patch(url, json={"state": "accepted"}, headers=bad, timeout=30).status_code == 401
    )
    checks = f"{url}checks/"
    assert requests.post(checks, json={"state": "success"}, timeout=30).status_code == 401
    patch.refresh_from_db()
    assert patch.state.slug == "new"
    # pwclient without credentials refuses to update.
    rc = Path(world.mails.env["HOME"]) / ".pwclientrc"
    rc.write_text(f"[greet]\nbackend = rest\nurl = {world.base_url}/api/1.2\n")
    refused = world.run("pwclient", "update", "-s", "Accepted", str(patch.id), ok=False)
    assert refused.returncode != 0
    patch.refresh_from_db()
    assert patch.state.slug == "new"
