"""10,000 random payloads at the webhook: never a 5xx other than 503, always JSON — and no
exception ever reaches the error handler, no flow fails with anything but a remote error (counted
in the logs and in the journal). Part of it runs the flows against a live sandbox."""

import json
import logging
import random
import re

import requests
from sqlalchemy import select

from b24app.c2d_events import KNOWN
from b24app.extensions import db
from b24app.models import Journal
from tests.unit.test_webhook_fuzz import FAIL_FAST, ID_KEYS, SECRET, _connected

IDS = list(ID_KEYS)


def _value(rng: random.Random, depth: int = 0):
    pick = rng.randrange(9 if depth < 2 else 6)
    makers = [
        lambda: None,
        lambda: True,
        lambda: rng.randint(-(10**15), 10**15),
        lambda: rng.random() * 1e9,
        lambda: "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(40))),
        lambda: rng.choice(["", "0", "1", "-1", "NaN", "1e309", "[tg] 1", "+7 916"]),
        lambda: [_value(rng, depth + 1) for _ in range(rng.randrange(3))],
        lambda: {str(_value(rng, 2)): _value(rng, depth + 1) for _ in range(rng.randrange(3))},
        lambda: {"id": _value(rng, depth + 1)},
    ]
    return makers[pick]()


def _body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    if roll < 0.2:
        return json.dumps(_value(rng)).encode()
    payload = {"hook_type": rng.choice(sorted(KNOWN)) if rng.random() < 0.8 else _value(rng)}
    for key in rng.sample(IDS, rng.randrange(len(IDS))):
        payload[key] = rng.randint(1, 10**6) if rng.random() < 0.7 else _value(rng)
    for key in ("text", "event_time", "extra_data", "client", "type", "is_group"):
        if rng.random() < 0.4:
            payload[key] = _value(rng)
    return json.dumps(payload).encode()


REMOTE = ("Bitrix24", "the Bitrix24", "Chat2Desk", "Waits until")


def _not_remote(errors) -> list[str]:
    """Failures a flow must never have: an exception of ours (`KeyError: …`), not a remote one."""
    return [e for e in errors if e and re.match(r"^\w+: ", e) and not e.startswith(REMOTE)]


def _unexpected(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "unexpected error" in r.getMessage()]


def test_ten_thousand_random_payloads(app, caplog):
    caplog.set_level(logging.ERROR)
    app.config.update(FAIL_FAST)
    _connected(app)
    client, rng, seen = app.test_client(), random.Random(20261127), {}
    for _ in range(10_000):
        body = _body(rng)
        resp = client.post(
            f"/webhooks/chat2desk/{SECRET}", data=body, content_type="application/json"
        )
        seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
        assert resp.status_code < 500 or resp.status_code == 503, (resp.status_code, body)
        assert resp.is_json
    assert seen.get(400) and seen.get(200), seen  # both malformed and accepted bodies occurred
    assert not _unexpected(caplog), _unexpected(caplog)[:3]
    with app.app_context():
        errors = db.session.execute(select(Journal.error)).scalars().all()
    assert not _not_remote(errors), _not_remote(errors)[:5]


def _live_body(rng: random.Random, ids: dict) -> dict:
    """A payload whose ids are real ones of the sandbox company, its other fields random."""
    payload = {
        "hook_type": rng.choice(
            [
                "inbox",
                "outbox",
                "close_dialog",
                "add_tag_to_request",
                "dialog_transferred",
                "close_request",
                "new_request",
            ]
        )
    }
    for key, values in ids.items():
        if rng.random() < 0.8:
            payload[key] = rng.choice(values) if rng.random() < 0.8 else _value(rng)
    payload["message_id"] = rng.randint(1, 10**9)
    payload["event_time"] = f"2026-12-01T10:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    for key in ("text", "extra_data", "client", "type", "is_group", "tag_id"):
        if rng.random() < 0.4:
            payload[key] = _value(rng)
    return payload


def test_random_payloads_run_the_flows_against_a_live_sandbox(sandbox, portal_name, caplog):
    """The flows really run (a connected portal, the fakes answering over HTTP): 300 payloads
    with real and random ids; none may fail with an error of ours."""
    from tests.e2e.flows_world import make_world

    caplog.set_level(logging.ERROR)
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    state = world.c2d_state()
    ids = {
        "client_id": [c["id"] for c in state["clients"]],
        "dialog_id": [d["id"] for d in state["dialogs"]],
        "request_id": [d["last_request_id"] for d in state["dialogs"]],
        "operator_id": [3, 4, 5],
        "channel_id": [1, 2, 3],
    }
    rng, statuses = random.Random(20261201), {}
    for _ in range(300):
        resp = requests.post(world.webhook_url(), json=_live_body(rng, ids), timeout=20)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, resp.text[:300]
    world.drain(timeout=60)
    rows = world.journal()
    assert sum(r.status == "done" for r in rows) > 50, statuses  # the flows really ran
    assert not _not_remote([r.error for r in rows]), _not_remote([r.error for r in rows])[:5]
    assert not _unexpected(caplog), _unexpected(caplog)[:3]
