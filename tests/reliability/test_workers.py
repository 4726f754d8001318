"""Many gunicorn workers on one database behave as one app: one entity, one refresh."""

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT, control
from tests.reliability import process_env

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def access_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gunicorn") / "access.log"


@pytest.fixture(scope="module")
def gunicorn(sandbox, access_log):
    """The app under real gunicorn on the sandbox's database: -w 2 --threads 4 on SQLite,
    -w 4 on Postgres (CONTRACT §8). The access log names the worker process of each request."""
    port = _free_port()
    env = process_env(
        sandbox,
        B24_RATE="500",
        B24_BURST="5000",
    )
    workers = ["-w", "2", "--threads", "4"] if sandbox.backend == "sqlite" else ["-w", "4"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *workers,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "pid=%(p)s %(s)s %(U)s",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stdout.read().decode()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=15)
    proc.stdout.close()


def _post_all(url: str, payloads: list[dict]) -> list[int]:
    with ThreadPoolExecutor(len(payloads)) as pool:
        return list(
            pool.map(lambda p: requests.post(url, json=p, timeout=TIMEOUT).status_code, payloads)
        )


def _hook(world, base: str) -> str:
    return base + "/webhooks/" + world.webhook_url().split("/webhooks/", 1)[1]


def _webhook_pids(access_log: Path) -> set[str]:
    pids = set()
    for line in access_log.read_text().splitlines():
        pid, _status, path = (line.split(" ", 2) + ["", ""])[:3]
        if path.startswith("/webhooks/chat2desk/"):
            pids.add(pid.removeprefix("pid="))
    return pids


def test_same_close_in_parallel_to_all_workers_makes_one_entity(
    sandbox, gunicorn, access_log, portal_name
):
    """A close never delivered before, sent 12 times at once (close_dialog and close_request of
    the same request) to every gunicorn worker: one journal row per key, one entity, one
    comment — and the access log proves that at least two processes answered."""
    world = make_world(sandbox, portal_name)
    client = world.client(world.c2d_state()["clients"][0]["name"])
    payload = world.close_payload(client)  # built here: Chat2Desk never delivered it
    close_request = {**payload, "hook_type": "close_request"}
    access_log.write_text("")
    statuses = _post_all(_hook(world, gunicorn), [payload] * 6 + [close_request] * 6)
    assert statuses == [200] * 12, statuses  # journaled, so never a 503
    pids = _webhook_pids(access_log)
    assert len(pids) >= 2, f"only {pids} answered: the race was not between processes"
    world.drain()
    rows = [r for r in world.journal() if r.hook_type in ("close_dialog", "close_request")]
    assert sorted(r.hook_type for r in rows) == ["close_dialog", "close_request"]
    assert all(r.status == "done" for r in rows), [(r.status, r.error) for r in rows]
    state = world.b24()
    entities = [
        e
        for e in [*state["deals"].values(), *state["leads"].values()]
        if e.get("ORIGINATOR_ID") == "chat2desk"
    ]
    assert len(entities) == 1, entities
    assert len(state["comments"]) == 1


def test_two_workers_hitting_expiry_refresh_once(sandbox, gunicorn, portal_name):
    world = make_world(sandbox, portal_name)
    clients = world.c2d_state()["clients"]
    payloads = [world.event("inbox", client_id=c["id"])["payload"] for c in clients[:2]]
    control(sandbox, f"p/{portal_name}/expire")
    before = world.b24()["refresh_count"]
    fresh = [{**p, "message_id": int(p["message_id"]) + 10_000} for p in payloads]
    statuses = _post_all(_hook(world, gunicorn), fresh)
    assert statuses == [200, 200]
    assert world.b24()["refresh_count"] == before + 1
