"""End to end (#19): git-pw and pwclient, unmodified, see a merged person as one.

The submitter of the end-to-end archive, Pat Cher, also had an older address;
merged into it, the clients find Pat's patches by either address and show the
address Pat uses now.
"""

from __future__ import annotations

import pytest

# The end-to-end world (a live server, the clients, their archive) and its marks.
from tests.api.test_clients_e2e import World, _git_pw_config, pytestmark, world  # noqa: F401
from tests.gitrepo import AUTHOR

OLD = "pat@old.example.org"


@pytest.fixture
def merged(request: pytest.FixtureRequest) -> World:
    from archive.models import Person
    from archive.people import merge_people

    there: World = request.getfixturevalue("world")
    pat = Person.objects.get(email=AUTHOR[1])
    old = Person.objects.create(name=AUTHOR[0], email=OLD)
    # The old address is the one shown: the clients must still reach Pat's patches.
    merge_people(old, [pat], origin="admin")
    return there


def test_git_pw_and_pwclient_find_patches_by_either_address(merged: World) -> None:
    _git_pw_config(merged)
    for who in (AUTHOR[1], OLD):
        listed = merged.run("git-pw", "patch", "list", "--state", "new", "--state", "superseded",
                            "--submitter", who,
                            "--format", "csv").stdout  # fmt: skip
        assert listed.count("hello: greet the world") == 2, (who, listed)
        assert OLD in listed and f"{AUTHOR[1]}" not in listed

    rc = merged.mails.env["HOME"] + "/.pwclientrc"
    with open(rc, "w") as config:
        config.write(
            "[options]\ndefault = greet\n\n"
            f"[greet]\nbackend = rest\nurl = {merged.base_url}/api/1.2\n"
        )
    for who in (AUTHOR[1], OLD):  # its REST backend passes the address on as submitter=
        listed = merged.run("pwclient", "list", "-w", who).stdout
        assert listed.count("hello: greet the world") == 2, (who, listed)
