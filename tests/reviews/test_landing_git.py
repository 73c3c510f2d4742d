# SPDX-License-Identifier: AGPL-3.0-or-later
"""``track-git`` on a real git tree where a maintainer applied two series and edited some.

The series come from fixture mail (tests/data/landing/demo-two-series.mbox),
applied with ``git am`` and then edited as maintainers do. Every patch's
expected outcome is written down; the test checks all of them, matches and
non-matches alike.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reviews import services
from reviews.models import Event, GitBranch, HealthPatch, Landing, Project, State, StateOrigin
from reviews.tracking import LOCK_CLASS
from tests.landingrepo import A1, A2, A3, A4, B1, B2, MBOX, MaintainerTree, follow, patch, track

pytestmark = pytest.mark.django_db

RTC = "drivers/rtc/rtc-demo.c"
MAE = "Mae Tainer <mae@example.com>"


@pytest.fixture
def project(ingest_file) -> Project:
    ingest_file(MBOX, "linux-rtc")
    return Project.objects.get()


def apply_edited(tree: MaintainerTree) -> dict[str, str]:
    """The maintainer's main branch: every edit the issue lists, one per patch."""
    commits = {}
    commits["A1"] = tree.am(A1, "-s")  # unchanged, with the maintainer's Signed-off-by
    tree.am(A2)
    commits["A2"] = tree.amend(  # message reworded, a Link: trailer added
        "-m",
        "rtc: demo: drop the unused member\n\nThe irq path never touched it.\n\n"
        "Link: https://lore.example.org/r/a2\nSigned-off-by: " + MAE,
    )
    tree.am(A3)
    tree.edit(RTC, "range_max = 0xffffffff;", "range_max = U32_MAX;")  # one hunk changed
    commits["A3"] = tree.amend("-a")
    tree.am(B1)
    tree.am(B2)
    tree.git("reset", "--soft", "HEAD~2")  # Bob's two patches squashed into one
    commits["B"] = tree.commit_all(
        "rtc: demo: name the date registers\n\nAlso read and write them.",
        author="Bob Porter <bob@example.net>",
    )
    tree.am(A4, "--whitespace=nowarn")
    tree.edit(RTC, "\tif (steps < -128 || steps > 127)", "\tif (steps < -128  ||  steps > 127)")
    commits["A4"] = tree.amend("-a")  # whitespace only: patch-id does not see it
    tree.edit(RTC, "Demonstration RTC driver", "Demonstration real-time clock driver")
    commits["own"] = tree.commit_all("rtc: demo: spell out the description")
    return commits


def test_a_maintainers_edits_are_recognised_and_nothing_else(project, tmp_path) -> None:
    tree = MaintainerTree(tmp_path)
    commits = apply_edited(tree)
    follow(project, tree, "main", "accepted")
    report = track(project)
    assert "7 new commits" in report, report
    found = {
        (landing.patch.number, landing.patch.submitter.email): (landing.commit, landing.how)
        for landing in Landing.objects.select_related("patch__submitter")
    }
    assert found == {
        (A1, "alice@example.org"): (commits["A1"], "exact"),
        (A2, "alice@example.org"): (commits["A2"], "exact"),
        (A3, "alice@example.org"): (commits["A3"], "edited"),
        (A4, "alice@example.org"): (commits["A4"], "exact"),
        (1, "bob@example.net"): (commits["B"], "edited"),
        (2, "bob@example.net"): (commits["B"], "squashed"),
    }
    for number, bob in [(A1, False), (A2, False), (A3, False), (A4, False), (1, True), (2, True)]:
        landed = patch(number, bob=bob)
        assert landed.state.slug == "accepted"
        assert landed.state_origin == StateOrigin.AUTO
        assert landed.commit_ref == found[(number, landed.submitter.email)][0]
        # whose turn and the health counts follow the landing
        assert (landed.turn, landed.turn_reason) == ("nobody", "closed")
        assert HealthPatch.objects.get(patch_id=landed.id).kind == "accepted"


def test_events_name_the_commit_and_a_second_run_changes_nothing(project, tmp_path) -> None:
    tree = MaintainerTree(tmp_path)
    commits = apply_edited(tree)
    follow(project, tree, "main", "accepted")
    track(project)
    a3 = patch(A3)
    change = Event.objects.get(patch=a3, category="patch-state-changed")
    assert change.actor is None
    assert change.payload["commit"] == commits["A3"]
    assert change.payload["branch"] == "main" and change.payload["match"] == "edited"
    assert (change.payload["previous_state"], change.payload["current_state"]) == (
        "new", "accepted")  # fmt: skip
    before = (Event.objects.count(), Landing.objects.count())
    assert "0 new commits" in track(project)
    assert (Event.objects.count(), Landing.objects.count()) == before
    assert GitBranch.objects.get().last_commit == commits["own"]


def test_a_state_set_by_hand_stays_unless_the_project_says_otherwise(project, tmp_path) -> None:
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123-boss")
    changes = State.objects.get(slug="changes-requested")
    services.set_patch_state(boss, patch(A1), changes)
    tree = MaintainerTree(tmp_path)
    commit = tree.am(A1)
    follow(project, tree, "main", "accepted")
    assert "1 kept as a person set them" in track(project)
    kept = patch(A1)
    assert kept.state.slug == "changes-requested" and kept.commit_ref == commit
    assert Landing.objects.filter(patch=kept).exists()

    project.landing_overrides_person = True
    project.save(update_fields=["landing_overrides_person"])
    tree.am(A2)
    services.set_patch_state(boss, patch(A2), changes)
    track(project)
    assert patch(A2).state.slug == "accepted"
    assert patch(A1).state.slug == "changes-requested"  # its commit was read last run


def test_cherry_picks_and_merges_make_the_lineage_and_a_revert_leaves_it(project, tmp_path) -> None:
    tree = MaintainerTree(tmp_path)
    a1 = tree.am(A1)
    a3 = tree.am(A3)
    tree.git("branch", "mainline", "base")
    tree.git("checkout", "-q", "-b", "for-next", "base")
    picked = tree.git("cherry-pick", "-x", a1) and tree.head()
    tree.git("checkout", "-q", "main")
    for name, means in [("main", "accepted"), ("for-next", "next"), ("mainline", "mainline")]:
        follow(project, tree, name, means)
    track(project)
    lineage = {(x.branch.name, x.commit) for x in Landing.objects.filter(patch=patch(A1))}
    assert lineage == {("main", a1), ("for-next", picked)}

    tree.git("checkout", "-q", "mainline")
    tree.git("merge", "-q", "--ff-only", "main")  # Linus pulls the subsystem tree
    tree.git("checkout", "-q", "main")
    tree.git("revert", "--no-edit", a3)
    track(project)
    assert {x.branch.name for x in Landing.objects.filter(patch=patch(A1))} == {
        "main", "for-next", "mainline"}  # fmt: skip
    # The revert takes A3 out of main; mainline still has it; the state is the maintainer's call.
    assert {x.branch.name for x in Landing.objects.filter(patch=patch(A3))} == {"mainline"}
    assert patch(A3).state.slug == "accepted"
    assert Landing.objects.filter(patch__in=[patch(A2), patch(A4)]).count() == 0


def test_a_rewritten_branch_forgets_the_commits_it_dropped(project, tmp_path) -> None:
    tree = MaintainerTree(tmp_path)
    tree.am(A1)
    tree.am(A2)
    follow(project, tree, "main", "next")
    track(project)
    tree.git("reset", "-q", "--hard", "HEAD~1")  # linux-next is rebuilt: A2 dropped
    tree.am(A4)
    assert "1 landings forgotten" in track(project)
    assert {x.patch.number for x in Landing.objects.select_related("patch")} == {A1, A4}


def test_a_missing_repository_is_a_clear_sentence(project, tmp_path) -> None:
    follow(project, MaintainerTree(tmp_path), "no-such-branch", "accepted")
    with pytest.raises(Exception, match="could not be read"):
        track(project)


def test_similarity_of_the_edited_ones_is_recorded(project, tmp_path) -> None:
    tree = MaintainerTree(tmp_path)
    apply_edited(tree)
    follow(project, tree, "main", "accepted")
    track(project)
    scores = {(x.patch.number, x.how): x.similarity
              for x in Landing.objects.select_related("patch").exclude(how="exact")}  # fmt: skip
    # A3: one of its 8 changed lines rewritten (7 of 8 shared); Bob's 1/2 is half the squashed
    # commit's lines (found by containment), 2/2 wholly in it.
    assert scores == {(A3, "edited"): 0.875, (1, "edited"): 0.5, (2, "squashed"): 1.0}


def test_pages_and_api_show_where_the_patches_are(project, tmp_path, client) -> None:
    tree = MaintainerTree(tmp_path)
    a1 = tree.am(A1)
    tree.am(A2)
    tree.git("checkout", "-q", "-b", "for-next", "base")
    tree.git("cherry-pick", a1)
    follow(project, tree, "main", "accepted")
    follow(project, tree, "for-next", "next")
    track(project)
    landed = patch(A1)
    page = client.get(f"/project/{project.link_name}/patch/{landed.message.msgid}/")
    html = page.content.decode()
    assert (
        'id="lineage-h"' in html and "<code>main</code>" in html and "<code>for-next</code>" in html
    )
    assert f'title="{a1}"' in html
    series = client.get(f"/project/{project.link_name}/series/{landed.series_id}/").content.decode()
    assert (
        "landed: 2 of 4 patches in <code>main</code>; 1 of 4 patches in <code>for-next</code>"
        in series
    )
    untouched = client.get(f"/project/{project.link_name}/patch/{patch(A4).message.msgid}/")
    assert 'id="lineage-h"' not in untouched.content.decode()

    rows = client.get("/api/1.2/patches/", {"project": project.link_name}).json()
    by_name = {row["name"]: row for row in rows}
    row = by_name[landed.name]
    assert row["commit_ref"] == a1
    assert [(x["branch"], x["means"], x["match"]) for x in row["lineage"]] == [
        ("main", "accepted", "exact"), ("for-next", "next", "exact")]  # fmt: skip
    assert (
        by_name[patch(A4).name]["lineage"] == [] and by_name[patch(A4).name]["commit_ref"] is None
    )
    detail = client.get(f"/api/1.2/patches/{landed.id}/").json()
    assert detail["lineage"] == row["lineage"]


def test_the_admin_configures_trees_and_their_branches(project, client, tmp_path) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123-root")
    client.force_login(admin)
    form = {
        "project": project.id, "path": str(tmp_path / "rtc.git"),
        "branches-TOTAL_FORMS": "1", "branches-INITIAL_FORMS": "0",
        "branches-0-name": "rtc-next", "branches-0-means": "next",
    }  # fmt: skip
    response = client.post("/admin/reviews/gittree/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    branch = GitBranch.objects.select_related("tree").get()
    assert (branch.tree.project, branch.name, branch.means) == (project, "rtc-next", "next")
    assert client.get(f"/admin/reviews/project/{project.id}/change/").status_code == 200


def test_an_author_writing_from_another_address_is_found_through_the_mailmap(
    project, tmp_path
) -> None:
    def edited_by_corp_address(tree: MaintainerTree) -> str:
        tree.am(A3)
        tree.edit(RTC, "range_max = 0xffffffff;", "range_max = U32_MAX;")
        return tree.amend("-a", "--author=Alice Coder <alice@corp.example>")

    plain = MaintainerTree(tmp_path / "plain")
    edited_by_corp_address(plain)
    follow(project, plain, "main", "accepted")
    track(project)
    assert not Landing.objects.exists()  # an edited patch from a stranger's address

    mapped = MaintainerTree(tmp_path / "mapped")
    (mapped.path / ".mailmap").write_text("Alice Coder <alice@example.org> <alice@corp.example>\n")
    mapped.commit_all("Add a mailmap")
    commit = edited_by_corp_address(mapped)
    follow(project, mapped, "main", "accepted")
    track(project)
    assert list(Landing.objects.values_list("patch", "commit", "how")) == [
        (patch(A3).id, commit, "edited")]  # fmt: skip


def test_a_branch_another_run_is_reading_is_skipped_then_read(project, tmp_path) -> None:
    import psycopg
    from django.db import connection

    tree = MaintainerTree(tmp_path)
    tree.am(A1)
    follow(project, tree, "main", "accepted")
    branch = GitBranch.objects.get()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:  # a second track-git, mid-run
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, branch.id])
        assert "skipped, another track-git is reading this branch" in track(project)
        assert not Landing.objects.exists()
        # Unlocked here, not by closing: the server frees a closed session's
        # locks a moment after the client returns, and the next run could
        # still find the branch taken.
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, branch.id])
    assert "1 landings (1 exact)" in track(project)
