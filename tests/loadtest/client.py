"""A small closed-loop HTTP load generator: N threads, each one keep-alive connection.

Deliberately dependency-free (http.client and threads): the load test must
run wherever the project runs, with no network. Each client picks a kind by
weight, then a URL of that kind, requests it, reads the whole body and
records the latency; anything but a 200 with a body, or a socket error,
counts as an error.
"""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Results:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def rows(self) -> list[dict]:
        """One row per kind, then "all": requests, errors, req/s, p50 and p99 in ms."""
        kinds = [*sorted(self.latencies), "all"]
        return [self._row(kind) for kind in kinds]

    def _row(self, kind: str) -> dict:
        if kind == "all":
            samples = [s for values in self.latencies.values() for s in values]
            errors = sum(len(e) for e in self.errors.values())
        else:
            samples, errors = self.latencies[kind], len(self.errors[kind])
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        return {
            "kind": kind,
            "requests": len(samples),
            "errors": errors,
            "rate": len(samples) / self.seconds if self.seconds else 0.0,
            "p50": statistics.median(ordered) if ordered else 0.0,
            "p99": p99,
        }


class _Client(threading.Thread):
    def __init__(self, n: int, host: str, port: int, urls: dict[str, list[str]],
                 weights: dict[str, int], stop_at: float, results: Results,
                 lock: threading.Lock) -> None:  # fmt: skip
        super().__init__(daemon=True, name=f"load-client-{n}")
        self.rng = random.Random(n)
        self.host, self.port = host, port
        self.urls, self.stop_at = urls, stop_at
        self.kinds = [k for k in weights if urls.get(k)]
        self.weights = [weights[k] for k in self.kinds]
        self.results, self.lock = results, lock
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            url = self.rng.choice(self.urls[kind])
            start = time.perf_counter()
            error = self._fetch(url)
            elapsed = (time.perf_counter() - start) * 1000
            with self.lock:
                if error:
                    self.results.errors[kind].append(f"{error} at {url}")
                else:
                    self.results.latencies[kind].append(elapsed)
        if self.conn:
            self.conn.close()

    def _fetch(self, url: str) -> str:
        """Request ``url``; an error description, or "" for a good answer."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
            response = self.conn.getresponse()
            body = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self._reset()
        except (OSError, http.client.HTTPException) as exc:
            self._reset()
            return f"{exc.__class__.__name__}: {exc}"
        if response.status != 200 or not body:
            return f"HTTP {response.status}"
        return ""

    def _reset(self) -> None:
        if self.conn:
            self.conn.close()
        self.conn = None


def run(host: str, port: int, urls: dict[str, list[str]], weights: dict[str, int], *,
        clients: int, seconds: float) -> Results:  # fmt: skip
    """Run ``clients`` concurrent clients for ``seconds`` and collect every latency."""
    results = Results()
    lock = threading.Lock()
    start = time.monotonic()
    threads = [
        _Client(n, host, port, urls, weights, start + seconds, results, lock)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.monotonic() - start
    return results
