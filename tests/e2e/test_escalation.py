"""Escalation over HTTP against the sandbox: a scheduled journal row, fired once, cancelled by
a reply, run by a worker of another app instance (nothing lives in one process's memory)."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from b24app import create_app, journal
from b24app.extensions import db
from b24app.models import Journal

from .helpers import c2d_control, state
from .ol_helpers import _portal, configure, inbox, setup_portal

HOOK = "b24_escalation"


def _rows(box, env):
    with box.app.app_context():
        portal = _portal(box, env.member_id)
        return list(
            db.session.execute(
                select(Journal).filter_by(portal_id=portal.id, hook_type=HOOK).order_by(Journal.id)
            ).scalars()
        )


def _come_due(box, row_id):
    """Let the clock run out: the row's time and the start it remembers move into the past."""
    with box.app.app_context():
        row = db.session.get(Journal, row_id)
        payload = dict(row.payload)
        payload["started_at"] = payload["started_at"] - 60 * int(payload["minutes"]) - 1
        row.payload = payload
        row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()


def _wait_final(box, env, row_id, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = next(r for r in _rows(box, env) if r.id == row_id)
        if row.status in journal.FINAL:
            return row
        time.sleep(0.2)
    raise AssertionError(f"escalation row {row_id} still {row.status}")


def _notified(box, env):
    data = state(box, env.name)
    return [m for m in data["bot_messages"] + data["notifications"] if "No answer for" in str(m)]


def _world(box, name):
    env = setup_portal(box, name, openlines=False)
    configure(box, env.member_id, tab="operators", escalate_minutes=5, user_3="2", user_2="4")
    return env


def test_an_unanswered_message_notifies_the_next_step_once(sandbox, portal_name):
    env = _world(sandbox, portal_name)
    payload = inbox(sandbox, env, text="Hello? Anyone?")
    [row] = _rows(sandbox, env)
    assert row.status == "queued" and row.dialog_id == str(payload["dialog_id"])
    wait = row.next_attempt_at.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)  # in the row, not in a timer
    inbox(sandbox, env, text="Second message, same dialog")
    assert len(_rows(sandbox, env)) == 2
    _come_due(sandbox, row.id)
    done = _wait_final(sandbox, env, row.id)
    assert done.status == "done" and "supervisors" in done.decision
    [sent] = _notified(sandbox, env)
    assert "Hello? Anyone?" in str(sent)
    assert str(sent.get("DIALOG_ID") or sent.get("USER_ID")) == "4"  # supervisor 2's user
    c2d_control(sandbox, "redeliver", {"payload": payload}, token=env.c2d)
    _come_due(sandbox, row.id)
    assert len(_notified(sandbox, env)) == 1


def test_a_reply_cancels_the_escalation(sandbox, portal_name):
    env = _world(sandbox, portal_name)
    inbox(sandbox, env, text="Is the sofa in stock?")
    [row] = _rows(sandbox, env)
    c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "Yes"}, token=env.c2d
    )
    [row] = _rows(sandbox, env)
    assert row.status == "done" and "cancelled" in row.decision
    assert row.next_attempt_at is None
    assert _notified(sandbox, env) == []


def test_it_survives_a_restart_and_another_process_fires_it(sandbox, portal_name):
    env = _world(sandbox, portal_name)
    inbox(sandbox, env, text="After a restart")
    [row] = _rows(sandbox, env)
    sandbox.stop_worker()  # the process that scheduled it stops: no timer could survive this
    try:
        _come_due(sandbox, row.id)
        other = create_app(dict(sandbox.app.config))  # a new process: the same database only
        with other.app_context():
            try:
                counts = journal.run_portal(row.portal_id, "restarted-host:1")
                done = db.session.get(Journal, row.id)
                assert counts == {"done": 1}, counts
                assert done.status == "done" and done.lease_owner == "restarted-host:1"
            finally:
                db.session.remove()
                db.engine.dispose()  # its connections close with it (no stray one on Postgres)
    finally:
        sandbox.start_worker()
    assert len(_notified(sandbox, env)) == 1


def test_retry_before_its_time_does_not_fire_it(sandbox, portal_name):
    env = _world(sandbox, portal_name)
    inbox(sandbox, env, text="Too early")
    [row] = _rows(sandbox, env)
    with sandbox.app.test_request_context():
        journal.retry(db.session.get(Journal, row.id))
    [row] = _rows(sandbox, env)
    assert (row.status, row.attempts) == ("retrying", 1), (row.status, row.attempts, row.error)
    assert _notified(sandbox, env) == []
    assert row.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(minutes=4)


def test_the_operators_tab_saves_escalate_minutes_within_a_day(sandbox, portal_name):
    from .helpers import submit
    from .settings_helpers import stored

    env = setup_portal(sandbox, portal_name, openlines=False)
    too_long = submit(sandbox, "/settings/operators", env.t, {"escalate_minutes": "2000"})
    assert too_long.status_code == 200 and "Between 0 (off) and 1440 minutes" in too_long.text
    assert stored(sandbox, portal_name, "operators")["escalate_minutes"] == 0
    saved = submit(sandbox, "/settings/operators", env.t, {"escalate_minutes": "15"})
    assert saved.status_code == 302
    assert stored(sandbox, portal_name, "operators")["escalate_minutes"] == 15
