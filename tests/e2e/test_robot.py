"""The `c2d_send_message` robot over HTTP: success, failures, redelivery, retry, forged calls."""

import requests
from sqlalchemy import select

from b24app import journal
from b24app.extensions import db
from b24app.models import Journal
from b24app.sandbox.bitrix24.phpform import encode_pairs

from .helpers import TIMEOUT, c2d_control, control, final_status, state
from .ol_helpers import _portal
from .tab_helpers import c2d_posts, c2d_state, contact, deal, lead, world

CODE = "c2d_send_message"


def run(box, env, entity_id, kind="deal", **props):
    body = {"code": CODE, "kind": kind, "id": entity_id, "properties": {"text": "Hi", **props}}
    return control(box, f"p/{env.name}/robot", body)


def answers(box, env, token, timeout: float = 10.0):
    """The workflow's answers; a robot call that found the portal's lane busy is answered by
    the worker a moment later."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        sent = state(box, env.name)["robot_runs"][token]["sent"]
        if sent or time.monotonic() > deadline:
            return sent
        time.sleep(0.05)


def robot_rows(box, env):
    with box.app.app_context():
        portal = _portal(box, env.member_id)
        return list(
            db.session.execute(
                select(Journal).filter_by(portal_id=portal.id, hook_type="b24_robot")
            ).scalars()
        )


def test_robot_sends_to_the_deals_contact_and_returns_the_message_id(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = deal(sandbox, portal_name, CONTACT_ID=contact(sandbox, portal_name, env.phone))
    done = run(sandbox, env, entity, text="Your sofa is ready")
    assert done["status"] == 200
    [answer] = answers(sandbox, env, done["token"])
    values = answer["return_values"]
    assert values["status"] == "sent" and values["error"] == ""
    [msg] = [
        m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "Your sofa is ready"
    ]
    assert str(msg["id"]) == values["message_id"]
    assert msg["client_id"] == env.client_id and msg["type"] == "to_client"
    [row] = robot_rows(sandbox, env)
    assert row.status == "done" and values["message_id"] in row.decision
    assert done["payload"]["event_token"] not in str(row.payload.get("auth", ""))


def test_robot_opens_the_client_when_the_phone_is_new(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone="+79995550101", TITLE="Chair")
    done = run(sandbox, env, entity, kind="lead", channel_id="1", transport="whatsapp")
    [answer] = answers(sandbox, env, done["token"])
    assert answer["return_values"]["status"] == "sent"
    [client] = [
        c for c in c2d_state(sandbox, env.c2d)["clients"] if c["client_phone"] == "+79995550101"
    ]
    again = run(sandbox, env, entity, kind="lead", text="Second")
    assert answers(sandbox, env, again["token"])[0]["return_values"]["status"] == "sent"
    posts = c2d_posts(sandbox, env, "/v1/clients")
    assert len(posts) == 1  # the second run found the linked client
    assert client["id"]


def test_robot_failure_paths_say_why_and_never_wait(sandbox, portal_name):
    env = world(sandbox, portal_name)
    bare = deal(sandbox, portal_name)
    no_phone = answers(sandbox, env, run(sandbox, env, bare)["token"])
    assert [a["return_values"]["status"] for a in no_phone] == ["failed"]
    assert "no phone number" in no_phone[0]["return_values"]["error"]
    assert no_phone[0]["return_values"]["message_id"] == ""
    phoned = lead(sandbox, portal_name, phone=env.phone)
    wrong = answers(sandbox, env, run(sandbox, env, phoned, kind="lead", channel_id="999")["token"])
    assert wrong[0]["return_values"] == {
        "message_id": "",
        "status": "failed",
        "error": "Chat2Desk has no channel 999.",
    }
    empty = answers(sandbox, env, run(sandbox, env, phoned, kind="lead", text="  ")["token"])
    assert empty[0]["return_values"]["error"] == "The robot has no message text."
    assert c2d_posts(sandbox, env, "/v1/messages") == []
    assert {r.status for r in robot_rows(sandbox, env)} == {"done"}


def test_a_repeated_robot_call_sends_and_answers_once(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    done = run(sandbox, env, entity, kind="lead", text="once")
    url = sandbox.app_url + "/bitrix/robots/send_message"
    resp = requests.post(url, data=encode_pairs(done["payload"]), timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.json()["duplicate"] is True
    assert len(answers(sandbox, env, done["token"])) == 1
    assert len([m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "once"]) == 1


def test_a_forged_robot_call_is_refused(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    payload = run(sandbox, env, entity, kind="lead", text="real")["payload"]
    forged = {**payload, "event_token": "forged|1|2", "auth": {**payload["auth"]}}
    forged["auth"]["application_token"] = "not-the-token"
    url = sandbox.app_url + "/bitrix/robots/send_message"
    resp = requests.post(url, data=encode_pairs(forged), timeout=TIMEOUT)
    assert resp.status_code == 401
    hook = {
        "hook_type": "b24_robot",
        "message_id": "x",
        "event_token": "forged|1|2",
        "document_id": ["crm", "CCrmDocumentLead", f"LEAD_{entity}"],
        "properties": {"text": "from a webhook"},
    }
    secret = _secret(sandbox, env)
    resp = requests.post(
        f"{sandbox.app_url}/webhooks/chat2desk/{secret}", json=hook, timeout=TIMEOUT
    )
    assert final_status(sandbox, resp.json()) == "ignored"
    assert not [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "from a webhook"]


def _secret(box, env):
    with box.app.app_context():
        return _portal(box, env.member_id).connection.secret


def test_a_transient_chat2desk_failure_is_retried_and_answered_once(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    fault = {"path_prefix": "/messages", "kind": "500", "method": "POST", "count": 1}
    c2d_control(sandbox, "faults", fault, token=env.c2d)
    done = run(sandbox, env, entity, kind="lead", text="after a fault")
    assert answers(sandbox, env, done["token"], timeout=0) == []  # not yet: it will be retried
    [row] = robot_rows(sandbox, env)
    assert row.status in ("failed", "retrying")
    with sandbox.app.test_request_context():
        status, _body = journal.retry(db.session.get(Journal, row.id))
    assert status == 200
    [answer] = answers(sandbox, env, done["token"])
    assert answer["return_values"]["status"] == "sent"
    sent = [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "after a fault"]
    assert len(sent) == 1


def test_a_robot_still_failing_after_the_give_up_time_answers_failed(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    fault = {"path_prefix": "/messages", "kind": "500", "method": "POST", "count": 2}
    c2d_control(sandbox, "faults", fault, token=env.c2d)
    done = run(sandbox, env, entity, kind="lead", text="never")
    [row] = robot_rows(sandbox, env)
    with sandbox.app.test_request_context():
        stored = db.session.get(Journal, row.id)
        stored.payload = {**stored.payload, "received_at": stored.payload["received_at"] - 7200}
        db.session.commit()
        journal.retry(stored)
    [answer] = answers(sandbox, env, done["token"])
    assert answer["return_values"]["status"] == "failed"
    assert "Chat2Desk" in answer["return_values"]["error"]
