"""The webhook stays on: Chat2Desk disables the app's webhook, the worker notices, re-enables it
and catches up the messages sent meanwhile — each exactly once, also when the webhook later
delivers one of them after all."""

import time

import requests
from sqlalchemy import select

from b24app import webhook_watch
from b24app.extensions import db
from b24app.models import Connection, Journal
from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT, page

IVAN = "Ivan Smirnov"


def _set_hook(world, status: str) -> None:
    hook = world.c2d_state()["webhooks"][0]
    resp = requests.put(
        f"{world.box.c2d_api}/webhooks/{hook['id']}",
        json={"status": status},
        headers={"Authorization": world.c2d_token},
        timeout=TIMEOUT,
    )
    resp.raise_for_status()


def _hook_status(world) -> str:
    return world.c2d_state()["webhooks"][0]["status"]


def _note(world) -> str:
    """What the worker wrote down when it re-enabled the hook and caught up (after both)."""
    with world.box.app.app_context():
        return db.session.execute(
            select(Connection.webhook_note).filter_by(portal_id=world.portal().id)
        ).scalar_one()


def _rows(world, key: str) -> list[Journal]:
    with world.box.app.app_context():
        pid = world.portal().id
        return list(db.session.execute(select(Journal).filter_by(portal_id=pid, key=key)).scalars())


def test_a_disabled_webhook_is_re_enabled_and_missed_messages_caught_up_once(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text="before the outage")
    _set_hook(world, "disable")  # as Chat2Desk does after repeated failed deliveries
    missed = []
    for n in range(3):
        result = world.event("inbox", client_id=client["id"], text=f"missed {n}")
        assert result["statuses"] == []  # nothing delivered: the hook is off
        missed.append(result["payload"])
    keys = [f"inbox:{p['message_id']}" for p in missed]
    assert all(not _rows(world, k) for k in keys)

    sandbox.app.config["WEBHOOK_CHECK_SECONDS"] = 0.5  # "within minutes", scaled down
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _note(world):
            time.sleep(0.1)
        assert _note(world), "the worker did not notice the disabled webhook"
        assert _hook_status(world) == "enable", "the worker did not re-enable the webhook"
        world.drain()
    finally:
        sandbox.app.config["WEBHOOK_CHECK_SECONDS"] = 3600.0
    for key in keys:
        [row] = _rows(world, key)
        assert row.status == "done", (row.status, row.error)
    texts = [m["MESSAGE"] for m in world.b24()["bot_messages"]]
    for n in range(3):
        assert sum(f"missed {n}" in t for t in texts) == 1, texts

    # the webhook delivers one of them late, and another check runs: nothing twice
    late = world.post_webhook(missed[0])
    assert late.json()["duplicate"] is True
    with sandbox.app.app_context():
        connection = db.session.execute(
            select(Connection).filter_by(portal_id=world.portal().id)
        ).scalar_one()
        _set_hook(world, "disable")
        assert webhook_watch.check(connection) is True
    world.drain()
    texts = [m["MESSAGE"] for m in world.b24()["bot_messages"]]
    assert [sum(f"missed {n}" in t for t in texts) for n in range(3)] == [1, 1, 1]
    assert all(len(_rows(world, k)) == 1 for k in keys)
    health = page(sandbox, "/settings/health", world.frame_token).text.replace("&#39;", "'")
    assert "had disabled the app's webhook" in health
