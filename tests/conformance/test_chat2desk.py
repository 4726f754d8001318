"""Conformance with Chat2Desk's documentation and public clients (issue #12 items 8-13).

Each test takes a published sample (tests/conformance/samples.py, source beside each), checks
that the sandbox Chat2Desk answers in that shape, and runs the app's parsers and flows on it.
"""

import json

import requests

from b24app import c2d_events
from b24app.clients import c2d_signature
from b24app.clients.c2d_normalize import operator_role, person_name
from b24app.clients.chat2desk import REGIONS, web_host
from b24app.flows import close_facts, transcript
from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT, page, state
from tests.e2e.ol_helpers import c2d_state, inbox, line_messages, setup_portal

from . import samples

SIMPLE = 2
IVAN = "Ivan Smirnov"


def _api(box, token: str, path: str):
    resp = requests.get(
        f"{box.c2d_url}/v1{path}", headers={"Authorization": token}, timeout=TIMEOUT
    )
    assert resp.status_code == 200, resp.text[:200]
    return resp.json()


def test_8_dialog_without_client_or_channel(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    shown = _api(sandbox, world.c2d_token, f"/dialogs/{dialog['id']}")["data"]
    assert set(shown) == samples.DIALOG_KEYS  # no client_id, no channel_id
    assert samples.MESSAGE_ID_KEYS <= set(shown["last_message"])
    # a close that names only the dialog: client and request learnt within the budget
    world.clear_logs()
    omit = ["client_id", "request_id", "operator_id", "channel_id"]
    world.event("close_dialog", dialog_id=dialog["id"], omit=omit)
    assert len(world.c2d_log()) <= 3
    [deal] = world.b24()["deals"].values()
    assert deal["ORIGIN_ID"] == f"request:{dialog['last_request_id']}"
    assert IVAN in deal["TITLE"]
    # the dialog page shows the client and replies on the dialog's channel
    html = page(sandbox, f"/dialogs/{dialog['id']}", world.frame_token).text
    assert IVAN in html and client["client_phone"] in html


def test_9_first_inbox_without_dialog_is_never_dropped(sandbox, portal_name):
    event = c2d_events.parse(samples.FIRST_INBOX)
    assert event.dialog_id is None and event.operator_id is None and event.request_id
    env = setup_portal(sandbox, portal_name)
    # a new request nobody took yet: the sandbox sends it as Chat2Desk's example does
    visitor = next(c for c in c2d_state(sandbox, env.c2d)["clients"] if c["name"][0] == "[")
    payload = inbox(sandbox, env, client_id=visitor["id"], text="first")
    assert payload["dialog_id"] is None and payload["operator_id"] is None
    assert payload["is_new_request"] == 1
    second = inbox(sandbox, env, client_id=visitor["id"], text="second")
    dialogs = c2d_state(sandbox, env.c2d)["dialogs"]
    dialog = next(d for d in dialogs if d["client_id"] == visitor["id"])
    assert [m["TEXT"] for m in line_messages(sandbox, env, dialog["id"])] == ["first", "second"]
    assert second["dialog_id"] == dialog["id"]
    # the first message was notified too, with the dialog Chat2Desk had not named
    st = state(sandbox, env.name)
    notices = [n["MESSAGE"] for n in st["bot_messages"] + st["notifications"]]
    assert any("first" in t and f"Dialog: {dialog['id']}" in t for t in notices), notices


def test_10_pseudo_names_are_not_names(sandbox, portal_name):
    pseudo = samples.FIRST_INBOX["client"] | {"name": "[chat] 1d0bb2e221762cfcc05c"}
    assert person_name(pseudo) == ""
    assert person_name(samples.FIRST_INBOX["client"]) == "Peter"
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    visitor = next(c for c in world.c2d_state()["clients"] if c["name"].startswith("[chat]"))
    card = _api(sandbox, world.c2d_token, f"/clients/{visitor['id']}")["data"]
    assert card["name"] == card["phone"] == "[chat] 1d0bb2e221762cfcc05c"
    world.set("operators", user_3="2")
    world.portal_attr(bot_id=None)
    world.event("inbox", client_id=visitor["id"], text="hi", operator_id=3)
    [note] = world.b24()["notifications"]
    assert (
        "[chat]" not in note["MESSAGE"] and f"Chat2Desk client {visitor['id']}" in note["MESSAGE"]
    )
    world.event("close_dialog", client_id=visitor["id"])
    [deal] = world.b24()["deals"].values()
    [contact] = world.b24()["contacts"].values()
    assert "[chat]" not in deal["TITLE"] and "[chat]" not in contact["NAME"]
    assert contact["NAME"] == f"Chat2Desk client {visitor['id']}"


def test_11_system_operator_client_updated_roles(sandbox, portal_name):
    for name, role in samples.ROLE_NAMES.items():
        assert operator_role({"access_right_name": name, "role": "operator"}) == role
    # regions whose web hosts public code uses (web.chat2desk.kg, web.chat2desk.by)
    bases = [base for base, _label in REGIONS]
    for host in samples.WEB_HOSTS:
        base = host.replace("//web.", "//api.") + "/v1"
        assert base in bases and web_host(base) == host
    updated = c2d_events.parse({"hook_type": "client_updated", "id": 42, "name": "Eve"})
    assert updated.client_id == "42"
    system = {"id": 1, "type": "system", "text": "Dialog closed", "operatorID": 0}
    assert transcript.speaker(system, "Ivan", {"0": "Somebody"}) == "System"
    facts = close_facts.Facts(messages=[{"id": 2, "type": "out", "operatorID": 0, "channelID": 1}])
    close_facts.learn_from_messages(facts)
    assert facts.operator_id is None and facts.channel_id == "1"
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    rows = _api(sandbox, world.c2d_token, f"/requests/{dialog['last_request_id']}/messages")
    assert all(samples.REQUEST_MESSAGE_KEYS <= set(r) for r in rows)
    assert all(isinstance(r["operatorID"], int) for r in rows)
    body = world.event("client_updated", client_id=client["id"], fields={"comment": "x"})
    assert body["payload"]["id"] == client["id"]


def test_13_sandbox_chat2desk_is_documented_chat2desk(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    fields = _api(sandbox, world.c2d_token, "/custom_client_fields")
    assert fields["status"] == samples.CUSTOM_FIELDS_ENVELOPE["status"] and "meta" not in fields
    assert all({"id", "name", "type"} <= set(f) for f in fields["data"])
    clients = world.c2d_state()["clients"]
    group = next(c for c in clients if c["name"] == "Sofa buyers group")
    payload = world.event("inbox", client_id=group["id"], text="price?")["payload"]
    event = c2d_events.parse(payload)
    assert event.is_group and event.sender_phone == "+79035550101"
    assert "group_sender" not in _api(sandbox, world.c2d_token, f"/clients/{group['id']}")["data"]


def test_12_webhook_signature_algorithm_matches_the_vendor_example():
    body = samples.SIGNED_BODY.encode()
    assert c2d_signature.sign(body, samples.SIGNED_TIMESTAMP, samples.SIGNED_KEY) == (
        samples.SIGNATURE
    )
    token = "токен-api"
    for key in c2d_signature.keys_for(token):
        good = c2d_signature.sign(body, samples.SIGNED_TIMESTAMP, key)
        assert c2d_signature.valid(body, samples.SIGNED_TIMESTAMP, good, token)
        assert not c2d_signature.valid(body + b" ", samples.SIGNED_TIMESTAMP, good, token)
        assert not c2d_signature.valid(body, "1743681007", good, token)
    assert not c2d_signature.valid(body, "", samples.SIGNATURE, token)
    # the payload itself is Chat2Desk's: a pseudo-named widget visitor, no real name
    event = c2d_events.parse(json.loads(samples.SIGNED_BODY))
    assert event.key == "inbox:28780" and person_name(event.payload["client"]) == ""
