"""A worker process killed with SIGKILL in the middle of a batch: its lease lapses, another
worker takes the portal over, and nothing is lost or done twice."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import select

from b24app import journal
from b24app.extensions import db
from b24app.journal import lanes
from b24app.models import Journal, RemoteRecord
from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT
from tests.reliability import process_env

ROOT = Path(__file__).resolve().parents[2]
FINAL = ("done", "filtered", "ignored", "failed")


def _worker(sandbox) -> subprocess.Popen:
    """`flask --app b24app worker` on the sandbox's database, slowed down by a tight rate limit
    (2 requests/s) so that the kill lands in the middle of its batch; leases of 3 s."""
    env = process_env(
        sandbox,
        B24_RATE="2",
        B24_BURST="2",
        JOURNAL_LEASE_SECONDS="3",
        WORKER_THREADS="1",
        WEBHOOK_CHECK_SECONDS="3600",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "b24app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _post(world, payload: dict) -> dict:
    """Straight to the app, without waiting for the queue (no worker runs yet)."""
    return requests.post(world.webhook_url(), json=payload, timeout=TIMEOUT).json()


def _five_minutes_pass(pid: int) -> None:
    """The dead worker's close claims lapse (CLAIM_STALE_SECONDS) without waiting for them."""
    with_claims = select(RemoteRecord).filter_by(portal_id=pid, kind="close_claim")
    for record in db.session.execute(with_claims).scalars():
        record.data = {"until": 0.0}
    db.session.commit()


def _retry_waiting(sandbox, pid: int) -> None:
    """`journal retry` for rows that wait for such a claim (their schedule says 5 minutes)."""
    with sandbox.app.app_context():
        for row in db.session.execute(
            select(Journal).filter_by(portal_id=pid, status="retrying")
        ).scalars():
            journal.retry(row)


def _made(world) -> int:
    state = world.b24()
    return len(state["deals"]) + len(state["leads"])


def _statuses(world) -> Counter:
    return Counter(r.status for r in world.journal())


def test_worker_killed_mid_batch_loses_and_doubles_nothing(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=2)
    clients = world.c2d_state()["clients"]
    with sandbox.app.app_context():
        pid = world.portal().id
    sandbox.stop_worker()  # only the worker process below runs the queue at first
    try:
        with sandbox.app.app_context():
            assert lanes.take(pid, "test-holder", 60)  # the lane is busy: every event queues
        answers = [_post(world, world.close_payload(c)) for c in clients]
        for n, c in enumerate(clients):
            tag = {"hook_type": "add_tag_to_client", "client_id": c["id"], "tag_id": n + 1}
            answers.append(_post(world, {**tag, "event_time": f"2026-12-01T10:00:0{n}Z"}))
        assert {a["status"] for a in answers} == {"queued"}, answers
        with sandbox.app.app_context():
            lanes.release(pid, "test-holder")
        proc = _worker(sandbox)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _made(world):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # mid-batch: an entity is written, its row still leased
        proc.wait(timeout=10)
        made, counts = _made(world), _statuses(world)
        assert made and counts.get("processing"), (made, counts)
        with sandbox.app.app_context():
            owners = set(
                db.session.execute(
                    select(Journal.lease_owner).filter_by(portal_id=pid, status="processing")
                ).scalars()
            )
        assert owners and all(f":{proc.pid}:" in o for o in owners), owners
        with sandbox.app.app_context():
            _five_minutes_pass(pid)
    finally:
        sandbox.start_worker()  # another worker: takes over once the dead one's lease lapses
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and set(_statuses(world)) - set(FINAL):
        time.sleep(0.1)
        _retry_waiting(sandbox, pid)
    rows = world.journal()
    assert len(rows) == len(answers), "an event was lost"
    assert {r.status for r in rows} == {"done"}, [(r.hook_type, r.status, r.error) for r in rows]
    state = world.b24()
    entities = [
        e
        for e in [*state["deals"].values(), *state["leads"].values()]
        if e.get("ORIGINATOR_ID") == "chat2desk"
    ]
    origins = Counter(e["ORIGIN_ID"] for e in entities)
    assert len(origins) == len(clients) and max(origins.values()) == 1, origins
    owners_of_comments = Counter(str(c["ENTITY_ID"]) for c in state["comments"])
    assert len(owners_of_comments) == len(clients) and max(owners_of_comments.values()) == 1
