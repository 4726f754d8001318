"""Journal: written before work, claimed once, failed rows retried exactly once, pruned."""

from datetime import UTC, datetime, timedelta

import pytest

from b24app import journal
from b24app.c2d_events import parse
from b24app.clients.bitrix24 import RateLimitError
from b24app.extensions import db
from b24app.flows import dispatch
from b24app.models import Journal, Portal


@pytest.fixture
def portal(app):
    with app.app_context():
        p = Portal(
            member_id="j1",
            domain="j.test",
            client_endpoint="https://j.test/rest/",
            server_endpoint="https://oauth.test/rest/",
            admin_user_ids=[],
        )
        db.session.add(p)
        db.session.commit()
        yield p


def _flaky(calls, fail_times):
    def handler(ctx, event):
        calls.append(event.key)
        if len(calls) <= fail_times:
            raise RateLimitError("QUERY_LIMIT_EXCEEDED", "slow down", status=503)
        return journal.Outcome("done", "worked")

    return handler


def test_transient_failure_then_cli_retry_runs_once(app, portal, monkeypatch):
    calls = []
    monkeypatch.setattr(dispatch, "_handlers", lambda: {"inbox": _flaky(calls, 1)})
    event = parse({"hook_type": "inbox", "message_id": 77, "dialog_id": 5})
    row, ours = journal.record(portal, event)
    assert ours and row.status == "processing"
    status, body = journal.execute(portal, row, event)
    assert status == 503 and body["status"] == "failed"
    assert "rate-limiting" in db.session.get(Journal, row.id).error

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["journal", "list", "--status", "failed"])
    assert "inbox" in listed.output and "rate-limiting" in listed.output
    result = runner.invoke(args=["journal", "retry"])
    assert result.exit_code == 0, result.output
    assert "retried 1: 1 done" in result.output
    again = runner.invoke(args=["journal", "retry"])
    assert "retried 0" in again.output
    assert calls == ["inbox:77", "inbox:77"]
    assert db.session.get(Journal, row.id).status == "done"


def test_duplicate_key_is_not_claimed_while_done(app, portal):
    event = parse({"hook_type": "new_request", "request_id": 9, "event_time": "t1"})
    row, ours = journal.record(portal, event)
    journal.finish(row, journal.Outcome("done", "ok"))
    again, ours_again = journal.record(portal, event)
    assert ours and not ours_again and again.id == row.id


def test_failed_row_is_claimed_by_one_redelivery_only(app, portal):
    event = parse({"hook_type": "new_request", "request_id": 10, "event_time": "t1"})
    row, _ = journal.record(portal, event)
    journal.fail(row, RuntimeError("boom"))
    assert journal.claim(row) is True
    assert journal.claim(row) is False


def test_prune_keeps_failed_rows(app, portal):
    old = datetime.now(UTC) - timedelta(days=40)
    for status in ("done", "failed"):
        db.session.add(
            Journal(
                portal_id=portal.id,
                key=f"k-{status}",
                hook_type="inbox",
                status=status,
                created_at=old,
                payload={},
            )
        )
    db.session.add(
        Journal(portal_id=portal.id, key="fresh", hook_type="inbox", status="done", payload={})
    )
    db.session.commit()
    assert journal.prune(30) == 1
    left = {r.key for r in db.session.query(Journal).all()}
    assert left == {"k-failed", "fresh"}


def test_idempotency_keys():
    assert parse({"hook_type": "inbox", "message_id": 5}).key == "inbox:5"
    assert (
        parse({"hook_type": "close_dialog", "dialog_id": 3, "event_time": "T"}).key
        == "close_dialog:3:T"
    )
    assert (
        parse({"hook_type": "add_tag_to_request", "request_id": 4, "id": 2, "event_time": "T"}).key
        == "add_tag_to_request:4:2:T"
    )
    tag = parse({"hook_type": "add_tag_to_request", "request_id": 4, "tag_id": 2})
    assert tag.tag_id == "2" and tag.key.startswith("add_tag_to_request:sha256:")


def test_group_chat_variants_and_sender_phone():
    for extra in (
        {"is_group": True},
        {"extra_data": {"is_group": 1}},
        {"extra_data": {"group": "true"}},
    ):
        assert parse({"hook_type": "inbox", "message_id": 1, **extra}).is_group
    assert not parse({"hook_type": "inbox", "message_id": 1}).is_group
    for extra in (
        {"sender_phone": "+1"},
        {"extra_data": {"sender_phone": "+1"}},
        {"extra_data": {"author_phone": "+1"}},
    ):
        assert parse({"hook_type": "inbox", "message_id": 1, **extra}).sender_phone == "+1"
