"""Exactly-once closes: redelivery, lost write answers, journal retry (CONTRACT §6)."""

import time

from b24app import journal
from b24app.extensions import db
from b24app.flows.context import Records
from b24app.models import Journal

from .flows_world import make_world, methods
from .helpers import control

SIMPLE = 2
IVAN = "Ivan Smirnov"


def _one_deal_one_comment(world) -> dict:
    state = world.b24()
    assert len(state["deals"]) == 1, state["deals"]
    deal = next(iter(state["deals"].values()))
    assert [c["ENTITY_ID"] for c in state["comments"]] == [int(deal["ID"])]
    assert deal["ORIGIN_ID"].startswith("request:")  # marked done (no "pending:" left)
    assert "ORIGIN_VERSION" not in deal  # a deal has no such field; the portal drops it
    assert len(state["contacts"]) == 1
    return deal


def test_close_delivered_three_times_makes_one_entity_and_one_comment(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    payload = world.event("close_dialog", client_id=client["id"])["payload"]
    world.clear_logs()
    assert world.redeliver(payload)["statuses"] == [200]
    assert world.redeliver(payload)["statuses"] == [200]
    assert world.b24_log() == []
    world.event("close_request", request_id=payload["request_id"])
    assert "Already done" in world.journal()[-1].decision
    assert world.b24_log() == []
    _one_deal_one_comment(world)


def test_lost_answer_of_the_write_then_the_app_retries_by_itself(sandbox, portal_name):
    """Chat2Desk gets 200 (`retrying`), never redelivers, and the worker's scheduled retry
    completes the close without a second entity."""
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    world.fault(method="crm.deal.add", kind="after_write", count=1)
    sandbox.app.config.update(JOURNAL_RETRY_BASE=0.3, JOURNAL_RETRY_CAP=0.6)
    try:
        result = world.event("close_dialog", client_id=client["id"])
        assert result["statuses"] == [200]
        row = world.wait_for("close_dialog", "done")
    finally:
        sandbox.app.config.update(JOURNAL_RETRY_BASE=10.0, JOURNAL_RETRY_CAP=3600.0)
    assert row.status == "done" and row.attempts == 2
    assert "Already done" in row.decision
    deliveries = [d for d in world.c2d_state()["deliveries"] if d["hook_type"] == "close_dialog"]
    assert [d["attempt"] for d in deliveries] == [1]  # no redelivery was needed
    _one_deal_one_comment(world)


def _fail_directly(world, kind: str, seconds: float = 30):
    """Deliver a close straight to the app (no Chat2Desk retries behind it), with a fault."""
    client = world.client(IVAN)
    world.fault(method="crm.deal.add", kind=kind, count=1, seconds=seconds)
    resp = world.post_webhook(world.close_payload(client))
    assert resp.status_code == 200
    assert resp.json()["status"] == "retrying" and resp.json()["next_attempt_at"]
    return resp.json()["journal_id"]


def _retry(world, row_id: int) -> dict:
    with world.box.app.app_context():
        status, body = journal.retry(db.session.get(Journal, row_id))
        assert status == 200
        return body


def test_lost_answer_then_journal_retry(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    row_id = _fail_directly(world, "after_write")
    assert len(world.b24()["deals"]) == 1  # the write happened; its answer was lost
    world.clear_logs()
    body = _retry(world, row_id)
    assert body["status"] == "done" and "Already done" in body["decision"]
    log = world.b24_log()
    assert len(log) == 1 and methods(log)[0] == "crm.deal.list"  # one read batch, no write
    _one_deal_one_comment(world)
    assert _retry(world, row_id).get("duplicate") is True


def test_failure_before_the_write_then_journal_retry(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    row_id = _fail_directly(world, "500")
    assert world.b24()["deals"] == {}
    body = _retry(world, row_id)
    assert body["status"] == "done" and "Created deal" in body["decision"]
    _one_deal_one_comment(world)


def test_entity_without_transcript_mark_gets_only_comment_and_mark(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    deal_id = world.rest(
        "crm.deal.add",
        {
            "fields": {
                "TITLE": "half done",
                "ORIGINATOR_ID": "chat2desk",
                "CONTACT_ID": "",
                "ORIGIN_ID": f"pending:request:{dialog['last_request_id']}",
            }
        },
    )
    world.clear_logs()
    world.event("close_dialog", client_id=client["id"])
    cmds = methods(world.b24_log())
    assert "crm.deal.add" not in cmds
    assert cmds[-2:] == ["crm.timeline.comment.add", "crm.deal.update"]
    state = world.b24()
    assert len(state["deals"]) == 1
    assert state["deals"][str(deal_id)]["ORIGIN_ID"] == f"request:{dialog['last_request_id']}"
    assert [c["ENTITY_ID"] for c in state["comments"]] == [deal_id]
    assert f"Completed deal #{deal_id}" in world.journal()[-1].decision


def _hold_claim(world, request_id, taken_at: float) -> None:
    """Another worker's claim taken at `taken_at` (0 = long ago: stale)."""
    from b24app.flows.close_crm import CLAIM_STALE_SECONDS

    until = taken_at + CLAIM_STALE_SECONDS if taken_at else 0.0
    with world.box.app.app_context():
        Records(world.portal().id).put(
            "close_claim", f"request:{request_id}", "other", {"until": until}
        )


def _release_claim(world, request_id) -> None:
    with world.box.app.app_context():
        Records(world.portal().id).forget("close_claim", f"request:{request_id}")


def test_close_while_another_worker_writes_it_waits_as_a_scheduled_retry(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    request_id = world.dialog_of(client["id"])["last_request_id"]
    _hold_claim(world, request_id, time.time())
    world.clear_logs()
    row_id = _fail_directly(world, "500")  # the wait comes from the claim, not from the fault
    with world.box.app.app_context():
        row = db.session.get(Journal, row_id)
        assert "Waits until" in row.error and "another worker" not in row.error
        assert row.next_attempt_at.timestamp() > time.time() + 200  # until the claim lapses
    assert world.b24_log() == [] and world.b24()["deals"] == {}
    control(sandbox, f"p/{world.name}/faults", method="delete")
    _release_claim(world, request_id)
    assert _retry(world, row_id)["status"] == "done"
    _one_deal_one_comment(world)


def test_stale_claim_of_a_dead_worker_is_taken_over(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    _hold_claim(world, world.dialog_of(client["id"])["last_request_id"], 0.0)
    world.event("close_dialog", client_id=client["id"])
    assert world.journal()[-1].status == "done"
    _one_deal_one_comment(world)


def test_timed_out_write_still_running_is_not_written_twice(sandbox, portal_name):
    """The write batch times out on our side but finishes later at Bitrix24: a retry inside
    the grace period waits (a scheduled retry) instead of reading "not there yet" and writing
    again."""
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    sandbox.app.config.update(HTTP_TIMEOUT=(2.0, 0.4), B24_WRITE_GRACE=1.5)
    try:
        row_id = _fail_directly(world, "timeout", seconds=0.5)
        with world.box.app.app_context():  # at once: the slow write is still running there
            status, body = journal.retry(db.session.get(Journal, row_id))
        assert status == 200 and body["status"] == "retrying" and "Waits until" in body["error"]
        time.sleep(1.6)
        assert _retry(world, row_id)["status"] == "done"
    finally:
        sandbox.app.config.update(HTTP_TIMEOUT=(3.05, 30.0), B24_WRITE_GRACE=65.0)
    _one_deal_one_comment(world)
