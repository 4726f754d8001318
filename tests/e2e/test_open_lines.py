"""Open Lines relay both ways, connector (de)activation and the dialog page, over HTTP."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from b24app import connector, links
from b24app.extensions import db
from b24app.flows.context import Records
from b24app.models import Journal

from .helpers import TIMEOUT, c2d_control, control, new_c2d_company, page, state
from .ol_helpers import (
    LINE,
    _portal,
    c2d_state,
    configure,
    inbox,
    line_messages,
    setup_portal,
    wait_c2d,
)


def journal_for(box, member_id, key, timeout: float = 10.0):
    """The row once it left the queue (a webhook that came while the lane was busy waits for
    the worker)."""
    deadline = time.monotonic() + timeout
    while True:
        with box.app.app_context():
            portal = _portal(box, member_id)
            row = db.session.execute(
                select(Journal).filter_by(portal_id=portal.id, key=key)
            ).scalar_one()
        if row.status not in ("queued", "processing") or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


# --- client → Open Line ----------------------------------------------------------------------
def test_client_message_goes_to_the_line_with_ids_phone_and_files(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    url = "https://files.example.com/sandbox/room.jpg"
    payload = inbox(sandbox, env, text="Here is my room", attachment=url)
    [msg] = line_messages(sandbox, env)
    assert msg["EXTERNAL_ID"] == str(payload["message_id"])
    assert msg["TEXT"] == "Here is my room"
    assert msg["FILES"] == [{"url": url, "name": "room.jpg"}]
    assert msg["DISABLE_CRM"] == "Y"
    assert msg["AUTHOR"]["id"] == str(env.client_id)
    assert msg["AUTHOR"]["phone"] == env.client["client_phone"]
    assert msg["CHAT_KEY"] == f"{connector.CONNECTOR_ID}|{LINE}|{payload['dialog_id']}"
    row = journal_for(sandbox, env.member_id, f"inbox:{payload['message_id']}")
    assert row.status == "done" and "Open Line" in row.decision


def test_placeholder_phone_is_never_sent(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    tg = next(c for c in c2d_state(sandbox, env.c2d)["clients"] if c["phone"].startswith("[tg]"))
    inbox(sandbox, env, client_id=tg["id"], text="hi from telegram")
    [msg] = line_messages(sandbox, env)
    assert "phone" not in msg["AUTHOR"]


def test_relay_off_sends_nothing_and_says_nothing(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    payload = inbox(sandbox, env, text="hello")
    assert line_messages(sandbox, env) == []
    row = journal_for(sandbox, env.member_id, f"inbox:{payload['message_id']}")
    assert "Open Line" not in row.decision
    assert not any(
        e["method"].startswith("imconnector.send")
        for e in control(sandbox, f"p/{env.name}/log", method="get")
    )


def test_group_chat_signed_only_when_asked_and_never_one_to_one(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, sign_group_phone=True)
    inbox(sandbox, env, text="group hello", is_group=True, sender_phone="+79990001122")
    inbox(
        sandbox,
        env,
        text="nested group",
        extra_data={"group": True, "author_phone": "+79990003344"},
    )
    inbox(sandbox, env, text="private hello", sender_phone="+79990001122")
    configure(sandbox, env.member_id, sign_group_phone=False)
    inbox(sandbox, env, text="group unsigned", is_group=True, sender_phone="+79990001122")
    assert [m["TEXT"] for m in line_messages(sandbox, env)] == [
        "+79990001122: group hello",
        "+79990003344: nested group",
        "private hello",
        "group unsigned",
    ]


def test_order_is_kept_under_redelivery(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    payloads = [inbox(sandbox, env, text=f"message {i}") for i in (1, 2, 3)]
    c2d_control(sandbox, "redeliver", {"payload": payloads[1]}, token=env.c2d)
    texts = [m["TEXT"] for m in line_messages(sandbox, env)]
    assert texts == ["message 1", "message 2", "message 3"]


# --- operator → client -----------------------------------------------------------------------
def test_operator_answer_reaches_client_confirmed_and_not_looped(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    payload = inbox(sandbox, env, text="Is the sofa available?")
    done = control(
        sandbox,
        f"p/{env.name}/operator_message",
        {
            "chat_id": str(payload["dialog_id"]),
            "user_id": 1,
            "text": "[b]Admin:[/b] [br]Yes, it is in stock",
        },
    )
    assert done[0]["status"] == 200 and '"done"' in done[0]["response"]
    wait_c2d(sandbox)
    sent = [
        m
        for m in c2d_state(sandbox, env.c2d)["messages"]
        if m["client_id"] == env.client_id and m["type"] == "to_client"
    ]
    assert sent[-1]["text"] == "Yes, it is in stock"
    msgs = line_messages(sandbox, env)
    assert [m["DIRECTION"] for m in msgs] == ["in", "out"]
    assert msgs[1]["DELIVERED"] is True
    row = journal_for(sandbox, env.member_id, f"outbox:{sent[-1]['id']}")
    assert row.status == "ignored" and "own reply" in row.decision


def test_operator_reply_typed_in_chat2desk_goes_to_the_line(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    inbox(sandbox, env, text="Hello")
    c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "On my way"}, token=env.c2d
    )
    texts = [m["TEXT"] for m in line_messages(sandbox, env)]
    assert texts == ["Hello", "Operator (Chat2Desk): On my way"]


def test_operator_message_for_unknown_chat_or_connector_is_ignored(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    before = len(c2d_state(sandbox, env.c2d)["messages"])
    for connector_id, chat in ((connector.CONNECTOR_ID, "999999"), ("other", "1")):
        done = control(
            sandbox,
            f"p/{env.name}/fire",
            {
                "event": "ONIMCONNECTORMESSAGEADD",
                "data": {
                    "CONNECTOR": connector_id,
                    "LINE": LINE,
                    "MESSAGES": [
                        {
                            "im": {"chat_id": "1", "message_id": "5"},
                            "message": {"user_id": "1", "text": "forged"},
                            "chat": {"id": chat},
                        }
                    ],
                },
            },
        )
        assert done[0]["status"] == 200 and "ignored" in done[0]["response"]
    assert len(c2d_state(sandbox, env.c2d)["messages"]) == before


# --- earlier messages after tagging ----------------------------------------------------------
def test_earlier_messages_relayed_once_after_tagging(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    configure(
        sandbox,
        env.member_id,
        "tags",
        tag_mode="only_tagged",
        tags=["2"],
        send_previous_on_tag=True,
    )
    first = inbox(sandbox, env, text="before tag 1")
    inbox(sandbox, env, text="before tag 2")
    assert line_messages(sandbox, env) == []
    tag = {"request_id": first["request_id"], "client_id": env.client_id, "id": 2}
    c2d_control(sandbox, "events/add_tag_to_request", tag, token=env.c2d)
    texts = [m["TEXT"] for m in line_messages(sandbox, env)]
    assert texts.index("before tag 1") < texts.index("before tag 2")
    assert len(texts) == len(set(texts))
    c2d_control(sandbox, "events/delete_tag_from_request", tag, token=env.c2d)
    c2d_control(sandbox, "events/add_tag_to_request", tag, token=env.c2d)
    assert [m["TEXT"] for m in line_messages(sandbox, env)] == texts
    inbox(sandbox, env, text="after tag")
    assert line_messages(sandbox, env)[-1]["TEXT"] == "after tag"


# --- connector -------------------------------------------------------------------------------
def test_connector_registered_at_install_and_follows_the_settings(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    fake = state(sandbox, env.name)
    registered = fake["connectors"][connector.CONNECTOR_ID]
    assert registered["ICON"]["DATA_IMAGE"].startswith("data:image/svg+xml,%3Csvg")
    assert registered["PLACEMENT_HANDLER"] == sandbox.app_url + "/"

    def lines():
        found = state(sandbox, env.name)["connector_lines"]
        return {v["LINE"]: v["ACTIVE"] for v in found.values()}

    configure(sandbox, env.member_id, openlines_enabled=True, openline_id="1")
    assert lines() == {"1": True}
    key = f"{connector.CONNECTOR_ID}|1"
    assert state(sandbox, env.name)["connector_lines"][key]["DATA"]["NAME"] == "Chat2Desk"
    configure(sandbox, env.member_id, openline_id="2")
    assert lines() == {"1": False, "2": True}
    with sandbox.app.test_request_context():
        assert connector.status(_portal(sandbox, env.member_id))["ok"] is True
    configure(sandbox, env.member_id, openlines_enabled=False)
    assert lines() == {"1": False, "2": False}
    with sandbox.app.test_request_context():
        assert (
            connector.status(
                _portal(sandbox, env.member_id), {"openlines_enabled": True, "openline_id": "2"}
            )["ok"]
            is False
        )


# --- dialog page -----------------------------------------------------------------------------
def _dialog_key(box, env, dialog_id) -> str:
    with box.app.test_request_context():
        url = links.dialog_link(_portal(box, env.member_id), dialog_id, 1, "bitrix24", "")
    return parse_qs(urlsplit(url).query)["params[k]"][0]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_dialog_page_with_frame_token_shows_everything_and_replies(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    payload = inbox(
        sandbox, env, text="Photo attached", attachment="https://files.example.com/sandbox/room.jpg"
    )
    dialog_id = payload["dialog_id"]
    with sandbox.app.app_context():
        Records(_portal(sandbox, env.member_id).id).put("crm_dialog", dialog_id, "deal:42")
    resp = page(sandbox, f"/dialogs/{dialog_id}", env.t)
    assert resp.status_code == 200
    html = resp.text
    for text in (
        "Photo attached",
        "room.jpg",
        env.client["name"],
        env.client["client_phone"],
        "whatsapp",
        "Company",
        "Romashka LLC",
    ):
        assert text in html
    assert 'data-open-path="/crm/deal/details/42/"' in html and 'target="_top"' in html
    assert "b24.css" in html
    body = {"t": env.t, "csrf_token": _csrf(html), "text": "Reply from the dialog page"}
    resp = requests.post(
        sandbox.app_url + f"/dialogs/{dialog_id}", data=body, timeout=TIMEOUT, allow_redirects=False
    )
    assert resp.status_code == 302 and f"/dialogs/{dialog_id}?t=" in resp.headers["Location"]
    assert (
        "was sent" in requests.get(sandbox.app_url + resp.headers["Location"], timeout=TIMEOUT).text
    )
    texts = [m["text"] for m in c2d_state(sandbox, env.c2d)["messages"]]
    assert "Reply from the dialog page" in texts
    resp = requests.post(
        sandbox.app_url + f"/dialogs/{dialog_id}",
        timeout=TIMEOUT,
        data={"t": env.t, "text": "no csrf"},
        allow_redirects=False,
    )
    assert resp.status_code == 400


def test_dialog_page_with_signed_link_and_refusals(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    dialog_id = inbox(sandbox, env, text="By link")["dialog_id"]
    key = _dialog_key(sandbox, env, dialog_id)
    url = sandbox.app_url + f"/dialogs/{dialog_id}"
    resp = requests.get(url, params={"k": key}, timeout=TIMEOUT)
    assert resp.status_code == 200 and "By link" in resp.text
    body = {"k": key, "csrf_token": _csrf(resp.text), "text": "Answer by link"}
    resp = requests.post(url, data=body, timeout=TIMEOUT, allow_redirects=False)
    assert resp.status_code == 302 and "sent=1" in resp.headers["Location"]
    assert (
        "was sent" in requests.get(sandbox.app_url + resp.headers["Location"], timeout=TIMEOUT).text
    )
    assert "Answer by link" in [m["text"] for m in c2d_state(sandbox, env.c2d)["messages"]]
    bad = requests.post(url, data={**body, "csrf_token": "x"}, timeout=TIMEOUT)
    assert bad.status_code == 400
    other = _dialog_key(sandbox, env, int(dialog_id) + 1)
    assert requests.get(url, params={"k": other}, timeout=TIMEOUT).status_code == 403
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    assert requests.get(url, params={"t": "forged"}, timeout=TIMEOUT).status_code == 401


def test_dialog_of_another_chat2desk_account_is_not_shown(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    stranger = new_c2d_company(sandbox)
    client = c2d_state(sandbox, stranger)["clients"][0]
    foreign = c2d_control(sandbox, "events/inbox", {"client_id": client["id"]}, token=stranger)[
        "payload"
    ]["dialog_id"]
    assert page(sandbox, f"/dialogs/{foreign}", env.t).status_code == 404
    assert page(sandbox, "/dialogs/12ab", env.t).status_code == 404


def test_saving_common_tab_activates_and_deactivates_connector(sandbox, portal_name):
    """The Common tab's save drives the connector: on → active on the line, off → inactive."""
    from .helpers import installed_portal, open_app, state, submit

    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    on = {
        "notify_incoming": "y",
        "openlines_enabled": "y",
        "openline_id": "1",
        "dialog_links": "chat2desk",
    }
    assert submit(sandbox, "/settings/common", token, on).status_code == 302
    lines = state(sandbox, portal_name)["connector_lines"]
    assert any(
        str(v.get("LINE", k)).endswith("1") and v.get("ACTIVE") in (1, "1", True, "Y")
        for k, v in (lines.items() if isinstance(lines, dict) else enumerate(lines))
    ), lines
    off = {"notify_incoming": "y", "openline_id": "1", "dialog_links": "chat2desk"}
    assert submit(sandbox, "/settings/common", token, off).status_code == 302
    lines = state(sandbox, portal_name)["connector_lines"]
    assert not any(
        v.get("ACTIVE") in (1, "1", True, "Y")
        for v in (lines.values() if isinstance(lines, dict) else lines)
    ), lines


def test_contact_center_tile_connects_the_chosen_line(sandbox, portal_name):
    """Bitrix24 opens our PLACEMENT_HANDLER with SETTING_CONNECTOR and the line: connect it."""
    import json

    from .helpers import entry, installed_portal, portal_row, post_entry, state

    installed_portal(sandbox, portal_name)
    payload = entry(sandbox, portal_name)
    resp = post_entry(
        sandbox,
        "/",
        payload,
        PLACEMENT="SETTING_CONNECTOR",
        PLACEMENT_OPTIONS=json.dumps({"LINE": "2", "CONNECTOR": "chat2desk_b24app"}),
    )
    assert resp.status_code == 200 and "connected to Open Line 2" in resp.text
    lines = state(sandbox, portal_name)["connector_lines"]
    assert lines["chat2desk_b24app|2"]["ACTIVE"] is True
    from b24app import settings_store

    with sandbox.app.app_context():
        common = settings_store.load(portal_row(sandbox, payload["form"]["member_id"]), "common")
    assert common["openlines_enabled"] is True and common["openline_id"] == "2"
    employee = post_entry(
        sandbox,
        "/",
        entry(sandbox, portal_name, user_id=2),
        PLACEMENT="SETTING_CONNECTOR",
        PLACEMENT_OPTIONS='{"LINE": "1"}',
    )
    assert "Only Bitrix24 administrators" in employee.text


def test_order_is_kept_when_a_relay_fails_and_a_newer_message_arrives(sandbox, portal_name):
    """Message 2 fails to reach the line; message 3 arrives before any retry: the line still
    gets 2 before 3, and the retry of 2 relays nothing twice."""
    import requests as http

    from b24app import journal
    from b24app.extensions import db
    from b24app.models import Journal

    from .helpers import TIMEOUT, control

    env = setup_portal(sandbox, portal_name)
    first = inbox(sandbox, env, text="message 1")
    url = c2d_state(sandbox, env.c2d)["webhooks"][0]["url"]

    def post(number: int):
        payload = {
            **first,
            "message_id": int(first["message_id"]) + 1000 + number,
            "text": f"message {number}",
            "event_time": f"2026-11-27T11:00:0{number}.000000Z",
        }
        return http.post(url, json=payload, timeout=TIMEOUT)

    control(
        sandbox,
        f"p/{env.name}/faults",
        {"method": "imconnector.send.messages", "kind": "500", "count": 1},
    )
    failed = post(2)
    assert failed.status_code == 200 and failed.json()["status"] == "retrying"
    later = post(3)  # waits behind the failed message of its dialog: the order is kept
    assert later.status_code == 200 and later.json()["status"] == "queued"
    time.sleep(0.5)  # the worker runs, but holds message 3 back
    assert [m["TEXT"] for m in line_messages(sandbox, env)] == ["message 1"]
    with sandbox.app.app_context():
        status, body = journal.retry(db.session.get(Journal, failed.json()["journal_id"]))
    assert status == 200 and body["status"] == "done"
    deadline = time.monotonic() + 10
    while len(line_messages(sandbox, env)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    texts = [m["TEXT"] for m in line_messages(sandbox, env)]
    assert texts == ["message 1", "message 2", "message 3"]
