"""A bounded load generator (threads + requests.Session) and a gunicorn launcher, loopback only."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("http://127.0.0.1:", "http://localhost:")


@dataclass(frozen=True)
class Load:
    """What a load run achieved."""

    sent: int
    statuses: Counter
    seconds: float

    @property
    def rps(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def all_ok(self) -> bool:
        return self.sent > 0 and set(self.statuses) == {200}


def drive(
    url: str,
    body: Callable[[int], dict],
    count: int,
    threads: int = 8,
    max_seconds: float = 120.0,
) -> Load:
    """POST `body(i)` for i < count from `threads` threads; stops early at `max_seconds`."""
    if not url.startswith(LOOPBACK):
        raise ValueError(f"benchmarks only load loopback addresses, not {url}")
    lock, statuses = threading.Lock(), Counter()
    next_index = iter(range(count))
    started = time.perf_counter()
    deadline = started + max_seconds

    def worker() -> None:
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                try:
                    status = session.post(url, json=body(i), timeout=30).status_code
                except requests.RequestException:
                    status = 0
                with lock:
                    statuses[status] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(max_seconds + 60)
    seconds = time.perf_counter() - started
    return Load(sum(statuses.values()), statuses, seconds)


def _wait_until_up(base: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(base + "/", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def gunicorn(
    target: str, port: int, env: dict, log: Path, workers: int = 2, threads: int = 4
) -> Iterator[str]:
    """Run `gunicorn -w workers --threads threads target` on 127.0.0.1:port; yields its URL."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
        target,
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed command, our own interpreter
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
