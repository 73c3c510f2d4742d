"""A throwaway git identity and repository for the end-to-end client tests.

git-pw, pwclient and b4 run with a fresh HOME; these helpers make that HOME,
run git in it, and commit with fixed dates so mails are reproducible.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHOR = ("Pat Cher", "pat@example.org")


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def client_env(home: Path, config: dict[str, str] | None = None) -> dict[str, str]:
    """A fresh HOME with only what the clients and git need, plus ``config``."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "LANG": "C.UTF-8",
        "NO_PROXY": "*",
    }
    settings = {"user.name": AUTHOR[0], "user.email": AUTHOR[1], "init.defaultBranch": "main"}
    for key, value in {**settings, **(config or {})}.items():
        subprocess.run(["git", "config", "--global", key, value], env=env, check=True)
    return env


def commit(repo: Path, env: dict[str, str], date: str, message: str, *, amend=False) -> None:
    dated = {**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    git(repo, dated, "add", "-A")
    git(repo, dated, "commit", "-q", *(["--amend"] if amend else []), "-m", message)
