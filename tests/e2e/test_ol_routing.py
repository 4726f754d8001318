"""Open Lines routing per channel and the three line options, over HTTP against the sandbox."""

from .helpers import c2d_control, control, state, submit
from .ol_helpers import c2d_state, configure, inbox, line_messages, setup_portal, wait_c2d
from .settings_helpers import stored


def _client_on(box, env, channel_id):
    return next(
        c for c in c2d_state(box, env.c2d)["clients"] if c["channels"][0]["id"] == channel_id
    )


def test_each_channel_goes_to_its_own_line_and_the_connector_is_on_both(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    configure(sandbox, env.member_id, openline_2="2")
    lines = state(sandbox, portal_name)["connector_lines"]
    assert {k: v["ACTIVE"] for k, v in lines.items()} == {
        "chat2desk_b24app|1": True,
        "chat2desk_b24app|2": True,
    }
    on_two, on_one = _client_on(sandbox, env, 2), _client_on(sandbox, env, 1)
    two = inbox(sandbox, env, client_id=on_two["id"], text="from telegram")
    one = inbox(sandbox, env, client_id=on_one["id"], text="from whatsapp")
    by_text = {m["TEXT"]: m["CHAT_KEY"] for m in line_messages(sandbox, env)}
    assert by_text["from telegram"] == f"chat2desk_b24app|2|{two['dialog_id']}"
    assert by_text["from whatsapp"] == f"chat2desk_b24app|1|{one['dialog_id']}"
    configure(sandbox, env.member_id, openline_2="")
    lines = state(sandbox, portal_name)["connector_lines"]
    assert lines["chat2desk_b24app|2"]["ACTIVE"] is False  # no longer in use


def test_replies_typed_in_chat2desk_carry_the_operators_name_when_asked(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    inbox(sandbox, env, text="Hello")
    c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "Plain"}, token=env.c2d
    )
    configure(sandbox, env.member_id, ol_sign_operator=True)
    reply = c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "Signed"}, token=env.c2d
    )["payload"]
    op = next(
        o for o in c2d_state(sandbox, env.c2d)["operators"] if o["id"] == reply["operator_id"]
    )
    texts = [m["TEXT"] for m in line_messages(sandbox, env)]
    assert texts == [
        "Hello",
        "Operator (Chat2Desk): Plain",
        f"{op['first_name']} {op['last_name']}: Signed",
    ]


def test_an_answer_from_the_line_is_credited_to_the_mapped_operator(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    configure(sandbox, env.member_id, tab="operators", user_4="3")
    payload = inbox(sandbox, env, text="Anyone there?")
    body = {"chat_id": str(payload["dialog_id"]), "user_id": 3, "text": "Yes, Olga here"}
    assert control(sandbox, f"p/{env.name}/operator_message", body)[0]["status"] == 200
    wait_c2d(sandbox)
    [sent] = [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "Yes, Olga here"]
    assert sent["operator_id"] == 4  # Olga, mapped to Bitrix24 user 3 — not the dialog's operator
    body = {"chat_id": str(payload["dialog_id"]), "user_id": 2, "text": "Unmapped answer"}
    control(sandbox, f"p/{env.name}/operator_message", body)
    wait_c2d(sandbox)
    [plain] = [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["text"] == "Unmapped answer"]
    assert plain["operator_id"] == payload["operator_id"]


def test_messages_wait_for_an_operator_then_follow_in_order(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, ol_wait_operator=True)
    first = inbox(sandbox, env, text="first", operator_id=None)
    inbox(sandbox, env, text="second", operator_id=None)
    assert line_messages(sandbox, env) == []
    moved = c2d_control(
        sandbox,
        "events/dialog_transferred",
        {"dialog_id": first["dialog_id"], "operator_id": 2},
        token=env.c2d,
    )
    assert moved["statuses"] == [200]
    inbox(sandbox, env, text="third")
    assert [m["TEXT"] for m in line_messages(sandbox, env)] == ["first", "second", "third"]
    c2d_control(
        sandbox, "events/dialog_transferred", {"dialog_id": first["dialog_id"]}, token=env.c2d
    )
    assert len(line_messages(sandbox, env)) == 3  # nothing held any more, nothing sent twice


def test_delivery_failures_are_reported_in_the_line_only_when_asked(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    inbox(sandbox, env, text="Hi")
    out = c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "x"}, token=env.c2d
    )
    failed = {"message_id": out["payload"]["message_id"], "text": "blocked by the user"}
    c2d_control(sandbox, "events/outbox_status", failed, token=env.c2d)
    assert len(line_messages(sandbox, env)) == 2
    configure(sandbox, env.member_id, ol_delivery_errors=True)
    out = c2d_control(
        sandbox, "events/outbox", {"client_id": env.client_id, "text": "y"}, token=env.c2d
    )
    failed = {"message_id": out["payload"]["message_id"], "text": "blocked by the user"}
    c2d_control(sandbox, "events/outbox_status", failed, token=env.c2d)
    last = line_messages(sandbox, env)[-1]["TEXT"]
    mid = out["payload"]["message_id"]
    assert last == f"Chat2Desk could not deliver message {mid} to the client (blocked by the user)."


def test_line_options_are_refused_without_open_lines(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    data = {
        "notify_incoming": "y",
        "dialog_links": "chat2desk",
        "ol_wait_operator": "y",
        "openline_2": "2",
    }
    resp = submit(sandbox, "/settings/common", env.t, data)
    assert (
        resp.status_code == 200
        and resp.text.count("This needs “Transfer messages to Open Lines”") == 2
    )
    assert stored(sandbox, portal_name, "common")["ol_wait_operator"] is False
