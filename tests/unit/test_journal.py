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


def test_transient_failure_is_retrying_then_cli_retry_runs_once(app, portal, monkeypatch):
    calls = []
    monkeypatch.setattr(dispatch, "_handlers", lambda: {"inbox": _flaky(calls, 1)})
    event = parse({"hook_type": "inbox", "message_id": 77, "dialog_id": 5})
    row, new = journal.record(portal, event)
    assert new and row.status == "queued"
    body = dispatch.intake(portal, row)
    assert body["status"] == "retrying" and body["next_attempt_at"]
    stored = db.session.get(Journal, row.id)
    assert "rate-limiting" in stored.error
    wait = (stored.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 3 <= wait <= 11  # the first retry ≈ 10 s with jitter (½…1×)

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["journal", "list", "--status", "retrying"])
    assert "inbox" in listed.output and "rate-limiting" in listed.output and "next" in listed.output
    result = runner.invoke(args=["journal", "retry"])
    assert result.exit_code == 0, result.output
    assert "retried 1: 1 done" in result.output
    again = runner.invoke(args=["journal", "retry"])
    assert "retried 0" in again.output
    assert calls == ["inbox:77", "inbox:77"]
    assert db.session.get(Journal, row.id).status == "done"


def test_duplicate_key_is_not_run_again(app, portal):
    event = parse({"hook_type": "new_request", "request_id": 9, "event_time": "t1"})
    row, new = journal.record(portal, event)
    journal.finish(row.id, journal.Outcome("done", "ok"))
    again, new_again = journal.record(portal, event)
    assert new and not new_again and again.id == row.id


def test_a_row_is_started_by_one_taker_only(app, portal):
    event = parse({"hook_type": "new_request", "request_id": 10, "event_time": "t1"})
    row, _ = journal.record(portal, event)
    assert journal.start(row.id, "a", 60) is True
    assert journal.start(row.id, "b", 60) is False


def test_permanent_failure_fails_and_transient_ones_give_up_after_the_horizon(app, portal):
    event = parse({"hook_type": "inbox", "message_id": 11})
    row, _ = journal.record(portal, event)
    journal.start(row.id, "a", 60)
    assert journal.fail(row.id, RuntimeError("boom")) == "failed"
    other, _ = journal.record(portal, parse({"hook_type": "inbox", "message_id": 12}))
    db.session.get(Journal, other.id).created_at = datetime.now(UTC) - timedelta(hours=73)
    db.session.commit()
    transient = RateLimitError("QUERY_LIMIT_EXCEEDED", "slow down", status=503)
    assert journal.fail(other.id, transient) == "failed"
    young, _ = journal.record(portal, parse({"hook_type": "inbox", "message_id": 13}))
    assert journal.fail(young.id, transient) == "retrying"


def test_backoff_grows_to_the_cap_with_jitter():
    delays = [journal.backoff(n, 10, 3600) for n in range(1, 16)]
    assert 5 <= delays[0] <= 10
    assert all(1800 <= d <= 3600 for d in delays[10:])
    assert len({round(journal.backoff(3, 10, 3600), 6) for _ in range(20)}) > 1  # jitter
    total, n = 0.0, 0
    while total < 72 * 3600:
        n += 1
        total += journal.backoff(n, 10, 3600, rng=_Low())
    assert n >= 72  # at least 72 attempts inside the 72 h horizon


class _Low:
    def random(self):
        return 1.0


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
