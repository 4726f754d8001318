"""1,000 webhooks over several portals with 20 % injected faults: nothing lost, nothing doubled.

The app retries by itself (the worker, on a schedule scaled down for the test): nobody calls
`journal retry`, and Chat2Desk never has to redeliver. The faults are counted where they fire —
in the fakes — per kind, and the test fails when a kind never fired."""

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from b24app.extensions import db
from b24app.models import Journal, Portal
from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT, control

PORTALS = 4
EVENTS_PER_PORTAL = 250
B24_FAULTS = ["503", "429", "500", "after_write", "timeout"]
KINDS = (
    ["inbox"] * 5
    + ["close_dialog"] * 2
    + ["new_request", "add_tag_to_request", "dialog_transferred"]
)


# "The write ran, the answer was lost" on the close's write batch itself (its comment command):
# the retry must find the entity marked done and post no second transcript (issue #12 item 1).
CLOSE_WRITE = {"method": "crm.timeline.comment.add", "kind": "after_write"}


def _inject(world, rng) -> str:
    kind = rng.choice(B24_FAULTS + ["c2d", "close_write"])
    if kind == "close_write":
        world.fault(**CLOSE_WRITE, count=1)
        return kind
    if kind == "c2d":
        requests.post(
            f"{world.box.c2d_url}/_control/c/{world.c2d_token}/faults",
            timeout=TIMEOUT,
            json={"path_prefix": rng.choice(["/clients", "/messages"]), "kind": "500", "count": 1},
        )
        return kind
    method = rng.choice(["*", "batch", "imbot.message.add", "crm.deal.add", "crm.lead.add"])
    world.fault(method=method, kind=kind, count=1, seconds=0.6)
    return kind


def _storm(world, seed: int) -> dict:
    """Send the portal's share of events; returns what was sent and the first answers."""
    rng = random.Random(seed)
    clients = [c["id"] for c in world.c2d_state()["clients"]]
    sent, answers, faults = [], Counter(), Counter()
    for _ in range(EVENTS_PER_PORTAL):
        if rng.random() < 0.2:
            faults[_inject(world, rng)] += 1
        kind = rng.choice(KINDS)
        overrides = {"client_id": rng.choice(clients)}
        if kind == "add_tag_to_request":
            overrides["tag_id"] = rng.choice([1, 2, 3, 4])
        result = world.event(kind, **overrides)
        sent.append(result["payload"])
        answers.update(result["statuses"])
    return {"sent": sent, "answers": answers, "faults": faults}


@pytest.mark.timeout_budget(300)
def test_storm_with_faults_loses_and_doubles_nothing(sandbox, portal_name):
    sandbox.app.config.update(
        HTTP_TIMEOUT=(2.0, 0.5),
        B24_MAX_BACKOFF=0.2,
        B24_WRITE_GRACE=1.5,
        JOURNAL_RETRY_BASE=0.2,
        JOURNAL_RETRY_CAP=1.0,
    )
    try:
        worlds = [make_world(sandbox, f"{portal_name}r{i}", mode=1 + i % 2) for i in range(PORTALS)]
        for w in worlds:
            w.set("tags", tag_mode="ignore")
        with ThreadPoolExecutor(PORTALS) as pool:
            runs = list(pool.map(_storm, worlds, range(PORTALS)))
        for w in worlds:
            w.wait()
        _wait_until_nothing_waits(sandbox, worlds)
        fired = _fired(worlds)
        never = [k for k in [*B24_FAULTS, "c2d:500"] if not fired.get(k)]
        assert not never, f"these faults never fired: {never} (fired: {dict(fired)})"
        for world, run in zip(worlds, runs, strict=True):
            _check_world(sandbox, world, run)
    finally:
        sandbox.app.config.update(
            HTTP_TIMEOUT=(3.05, 30.0),
            B24_MAX_BACKOFF=8.0,
            B24_WRITE_GRACE=65.0,
            JOURNAL_RETRY_BASE=10.0,
            JOURNAL_RETRY_CAP=3600.0,
        )
        for i in range(PORTALS):
            control(sandbox, f"p/{portal_name}r{i}/faults", method="delete")


def _wait_until_nothing_waits(box, worlds, timeout: float = 120.0) -> None:
    """The worker retries every transient failure on its own; wait until no row waits."""
    deadline = time.monotonic() + timeout
    with box.app.app_context():
        pids = [w.portal().id for w in worlds]
        while time.monotonic() < deadline:
            waiting = db.session.execute(
                select(func.count())
                .select_from(Journal)
                .where(Journal.portal_id.in_(pids))
                .where(Journal.status.in_(("queued", "processing", "retrying")))
            ).scalar()
            db.session.rollback()
            if not waiting:
                return
            time.sleep(0.2)
    raise AssertionError(f"{waiting} row(s) still waiting after {timeout} s")


def _fired(worlds) -> Counter:
    """Faults that really fired, per kind, as the fakes counted them."""
    fired = Counter()
    for world in worlds:
        for fault in control(world.box, f"p/{world.name}/faults", method="get"):
            fired[fault["kind"]] += int(fault.get("fired") or 0)
        for kind, n in world.c2d_state().get("fired", {}).items():
            fired[f"c2d:{kind}"] += n
    return fired


def _check_world(box, world, run) -> None:
    assert 500 not in run["answers"], run["answers"]
    deliveries = [
        d for d in box.fake_c2d.extensions["fake_c2d"].deliveries if d["token"] == world.c2d_token
    ]
    assert not [d for d in deliveries if d["status"] == 500]
    keys = {_key(p) for p in run["sent"]}
    with box.app.app_context():
        pid = db.session.execute(
            select(Portal.id).filter_by(member_id=world.member_id)
        ).scalar_one()
        rows = dict(
            db.session.execute(
                select(Journal.status, func.count())
                .where(Journal.portal_id == pid)
                .group_by(Journal.status)
            ).all()
        )
        journaled = db.session.execute(
            select(func.count()).select_from(Journal).where(Journal.portal_id == pid)
        ).scalar()
    assert journaled == len(keys), "an event was lost (or journaled twice)"
    assert rows.get("failed", 0) == 0, rows
    state = world.b24()
    entities = list(state["deals"].values()) + list(state["leads"].values())
    origins = Counter(e.get("ORIGIN_ID") for e in entities if e.get("ORIGINATOR_ID") == "chat2desk")
    assert origins and max(origins.values()) == 1, "a duplicate entity was created"
    owners = Counter(
        (str(c["ENTITY_TYPE"]).lower(), str(c["ENTITY_ID"])) for c in state["comments"]
    )
    assert owners and max(owners.values()) == 1, "a transcript was posted twice"
    made = {("deal", d["ID"]) for d in state["deals"].values() if d.get("ORIGINATOR_ID")}
    made |= {("lead", d["ID"]) for d in state["leads"].values() if d.get("ORIGINATOR_ID")}
    assert made <= set(owners), "an entity was left without its transcript"
    faults = control(box, f"p/{world.name}/faults", method="get")
    lost = sum(f.get("fired", 0) for f in faults if f["method"] == CLOSE_WRITE["method"])
    assert lost > 0, "no close write batch lost its answer"  # the fault really fired
    phones = Counter(p["VALUE"] for c in state["contacts"].values() for p in c.get("PHONE") or [])
    assert not phones or max(phones.values()) == 1, "a duplicate contact was created"


def _key(payload: dict) -> str:
    from b24app.c2d_events import parse

    return parse(payload).key
