"""Many gunicorn workers on one database behave as one app: one entity, one refresh."""

import os
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

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(sandbox):
    """The app under real gunicorn on the sandbox's database: -w 2 --threads 4 on SQLite,
    -w 4 on Postgres (CONTRACT §8)."""
    port = _free_port()
    cfg = sandbox.app.config
    env = {
        **os.environ,
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": cfg["SECRET_KEY"],
        "B24APP_SANDBOX": "1",
        "B24APP_ALLOW_HTTP": "1",
        "PUBLIC_URL": sandbox.app_url,
        "B24_OAUTH_HOSTS": ",".join(cfg["B24_OAUTH_HOSTS"]),
        "CHAT2DESK_API_URL": sandbox.c2d_api,
        "B24_RATE": "500",
        "B24_BURST": "5000",
    }
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


def test_same_close_in_parallel_to_all_workers_makes_one_entity(sandbox, gunicorn, portal_name):
    world = make_world(sandbox, portal_name)
    client = world.client(world.c2d_state()["clients"][0]["name"])
    payload = world.event("close_dialog", client_id=client["id"])["payload"]
    close_request = {**payload, "hook_type": "close_request"}
    statuses = _post_all(_hook(world, gunicorn), [payload] * 6 + [close_request] * 6)
    assert 500 not in statuses and 200 in statuses, statuses
    for _ in range(20):  # the workers that found the claim taken answered 503: redeliver
        if 503 not in statuses:
            break
        time.sleep(0.2)
        statuses = _post_all(_hook(world, gunicorn), [close_request])
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
