"""An operator answers in the Open Line while Chat2Desk fails for "a minute" (scaled down to a
few seconds by the retry schedule's config): Bitrix24 gets 200 at once and never redelivers;
the app retries by itself and the client gets the answer exactly once after recovery."""

import time

from sqlalchemy import select

from b24app.extensions import db
from b24app.models import Journal
from tests.e2e.helpers import c2d_control, control
from tests.e2e.ol_helpers import _portal, c2d_state, inbox, line_messages, setup_portal

OUTAGE = 3.0  # seconds standing in for Chat2Desk's minute of failures


def _reply_rows(box, member_id) -> list[Journal]:
    with box.app.app_context():
        pid = _portal(box, member_id).id
        return list(
            db.session.execute(
                select(Journal).filter_by(portal_id=pid, hook_type="ONIMCONNECTORMESSAGEADD")
            ).scalars()
        )


def _sent(box, env, text: str) -> list[dict]:
    return [
        m
        for m in c2d_state(box, env.c2d)["messages"]
        if m["type"] == "to_client" and m["text"] == text
    ]


def test_operator_reply_during_a_chat2desk_outage_reaches_the_client_once(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    payload = inbox(sandbox, env, text="Is anyone there?")
    fault = {"path_prefix": "/messages", "method": "POST", "kind": "500", "count": 10_000}
    c2d_control(sandbox, "faults", fault, token=env.c2d)
    sandbox.app.config.update(JOURNAL_RETRY_BASE=0.3, JOURNAL_RETRY_CAP=1.0)
    try:
        started = time.monotonic()
        done = control(
            sandbox,
            f"p/{env.name}/operator_message",
            {"chat_id": str(payload["dialog_id"]), "user_id": 1, "text": "Yes, we are here"},
        )
        assert done[0]["status"] == 200  # journaled and answered: Bitrix24 never redelivers
        time.sleep(OUTAGE / 2)
        [row] = _reply_rows(sandbox, env.member_id)
        assert row.status == "retrying" and row.next_attempt_at, (row.status, row.error)
        assert _sent(sandbox, env, "Yes, we are here") == []
        while time.monotonic() - started < OUTAGE:
            time.sleep(0.1)
        failed_posts = c2d_state(sandbox, env.c2d)["fired"].get("500", 0)
        assert failed_posts >= 2  # the app really tried during the outage, and failed
        c2d_control(sandbox, "faults", method="delete", token=env.c2d)  # Chat2Desk recovers
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            [row] = _reply_rows(sandbox, env.member_id)
            if row.status == "done":
                break
            time.sleep(0.1)
    finally:
        sandbox.app.config.update(JOURNAL_RETRY_BASE=10.0, JOURNAL_RETRY_CAP=3600.0)
    assert row.status == "done" and row.attempts >= 3, (row.status, row.attempts, row.error)
    assert len(_sent(sandbox, env, "Yes, we are here")) == 1
    out = [m for m in line_messages(sandbox, env) if m["DIRECTION"] == "out"]
    assert out and out[-1]["DELIVERED"] is True
