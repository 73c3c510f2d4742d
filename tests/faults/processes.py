"""Real ``manage.py`` processes against a given database, and helpers to watch or kill them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]


def database_url(settings: dict[str, Any]) -> str:
    """A ``DATABASE_URL`` for Django database settings (socket directory as ``host=``)."""
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    query = [f"host={quote(settings['HOST'])}"] if settings.get("HOST") else []
    if settings.get("PORT"):
        query.append(f"port={settings['PORT']}")
    return f"postgresql://{auth}/{quote(settings['NAME'])}?{'&'.join(query)}"


def environment(url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")
    env.pop("THREADWORK_DB_NAME", None)  # DATABASE_URL decides
    return env


@dataclass
class Ingest:
    """An ``ingest`` command running in its own process group (forked workers included)."""

    process: subprocess.Popen
    log: Path

    @classmethod
    def start(
        cls,
        url: str,
        sources: Sequence[Path],
        log: Path,
        *,
        workers: int = 1,
        batch: int = 50,
        chunk: int = 16,
    ) -> Ingest:
        args = [sys.executable, "-m", "tests.faults.runner", str(batch), str(chunk), "ingest",
                *map(str, sources), "--workers", str(workers)]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(
                args, cwd=REPO, env=environment(url), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        return cls(process, log)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise AssertionError(
                f"ingest still running after {timeout} s:\n{self.output()}"
            ) from exc

    def kill(self) -> None:
        """SIGKILL the whole group: the command, its writer thread and its parsing workers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
