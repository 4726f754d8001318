"""The Chat2Desk tab in lead, deal and contact cards, over HTTP against the sandbox."""

import html as html_lib

from .helpers import c2d_control, control, install, state
from .ol_helpers import wait_c2d
from .tab_helpers import (
    act,
    b24,
    c2d_posts,
    c2d_state,
    configure,
    contact,
    deal,
    dialog_of,
    flash,
    lead,
    open_tab,
    world,
)

TABS = ("CRM_LEAD_DETAIL_TAB", "CRM_DEAL_DETAIL_TAB", "CRM_CONTACT_DETAIL_TAB")
BOUND = (*TABS, "REST_APP_URI")  # and the dialog links' slider


def _bound(box, name):
    data = state(box, name)
    return sorted(p["placement"] for p in data["placements"]), sorted(data["robots"])


def test_one_tab_per_card_and_one_robot_after_repeated_installs_and_a_reinstall(
    sandbox, portal_name
):
    env = world(sandbox, portal_name)
    for _ in range(2):
        assert install(sandbox, portal_name).status_code == 200
    control(sandbox, f"p/{portal_name}/install_event")
    assert _bound(sandbox, portal_name) == (sorted(BOUND), ["c2d_send_message"])
    placements = [p for p in state(sandbox, portal_name)["placements"] if p["placement"] in TABS]
    assert {p["title"] for p in placements} == {"Chat2Desk"}
    assert {p["handler"] for p in placements} == {sandbox.app.config["PUBLIC_URL"] + "/crm/tab"}
    robot = state(sandbox, portal_name)["robots"]["c2d_send_message"]
    assert robot["HANDLER"].endswith("/bitrix/robots/send_message")
    assert set(robot["RETURN_PROPERTIES"]) == {"message_id", "status", "error"}
    control(sandbox, f"p/{portal_name}/uninstall")
    assert _bound(sandbox, portal_name) == ([], [])
    control(sandbox, f"p/{portal_name}/install_event")  # a reinstall: ONAPPINSTALL, then the page
    assert install(sandbox, portal_name).status_code == 200
    assert _bound(sandbox, portal_name) == (sorted(BOUND), ["c2d_send_message"])
    assert env.member_id


def _shows_dialog(box, env, page):
    dialog = dialog_of(box, env)
    text = html_lib.unescape(page.text)
    assert page.status_code == 200, text[:500]
    assert f'id="dialog-{dialog["id"]}"' in text
    first = next(m for m in c2d_state(box, env.c2d)["messages"] if m["dialog_id"] == dialog["id"])
    assert first["text"] in text
    return text


def test_tab_on_each_kind_finds_the_dialogs_by_phone(sandbox, portal_name):
    env = world(sandbox, portal_name)
    person = contact(sandbox, portal_name, env.phone)
    entities = {
        "contact": person,
        "deal": deal(sandbox, portal_name, CONTACT_ID=person),
        "lead": lead(sandbox, portal_name, phone=env.phone),
    }
    for kind, entity_id in entities.items():
        _token, page = open_tab(sandbox, portal_name, kind, entity_id)
        text = _shows_dialog(sandbox, env, page)
        assert f"found by the phone number {env.phone}" in text, kind
        assert 'id="write-first"' not in text
    log = c2d_control(sandbox, "log", method="get", token=env.c2d)
    assert any(e["path"] == "/v1/clients" and "phone=" in e["query"] for e in log)


def test_tab_finds_the_dialog_through_the_apps_records(sandbox, portal_name):
    env = world(sandbox, portal_name)
    configure(sandbox, env.member_id, tab="crm", channel_1="deal:0")
    closed = c2d_control(
        sandbox, "events/close_dialog", {"client_id": env.client_id}, token=env.c2d
    )
    assert closed["statuses"] == [200]
    [made] = [int(k) for k in state(sandbox, portal_name)["deals"]]
    c2d_control(sandbox, "log", method="delete", token=env.c2d)
    _token, page = open_tab(sandbox, portal_name, "deal", made)
    text = _shows_dialog(sandbox, env, page)
    assert "linked to this record by the app" in text
    log = c2d_control(sandbox, "log", method="get", token=env.c2d)
    assert not any(e["path"] == "/v1/clients" for e in log)  # no phone search needed


def test_every_action_says_what_happened_and_shows_in_chat2desk(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    token, page = open_tab(sandbox, portal_name, "lead", entity)
    dialog = dialog_of(sandbox, env)
    did = str(dialog["id"])

    page = act(sandbox, token, "reply", dialog_id=did, text="Your sofa ships tomorrow")
    assert flash(page.text) == ("success", "The message was sent to the client.")
    assert "Your sofa ships tomorrow" in page.text
    sent = [
        m
        for m in c2d_state(sandbox, env.c2d)["messages"]
        if m["text"] == "Your sofa ships tomorrow"
    ]
    assert [m["type"] for m in sent] == ["to_client"]

    page = act(sandbox, token, "tag_add", dialog_id=did, tag_id="1")
    assert flash(page.text)[0] == "success" and "was added" in html_lib.unescape(page.text)
    client = next(c for c in c2d_state(sandbox, env.c2d)["clients"] if c["id"] == env.client_id)
    assert [t["id"] for t in client["tags"]] == [1]
    assert 'data-tag="1"' in page.text
    assert "added the tag" in html_lib.unescape(page.text)  # the note in the transcript

    page = act(sandbox, token, "tag_remove", dialog_id=did, tag_id="1")
    assert "was removed" in html_lib.unescape(flash(page.text)[1])
    client = next(c for c in c2d_state(sandbox, env.c2d)["clients"] if c["id"] == env.client_id)
    assert client["tags"] == []

    other = 2 if dialog["operator_id"] != 2 else 3
    page = act(sandbox, token, "assign", dialog_id=did, operator_id=str(other))
    assert flash(page.text)[0] == "success" and "was assigned to" in page.text
    assert dialog_of(sandbox, env)["operator_id"] == other

    page = act(sandbox, token, "close", dialog_id=did)
    assert flash(page.text) == ("success", f"Dialog {did} was closed.")
    assert dialog_of(sandbox, env)["state"] == "closed"
    assert 'data-action="reopen"' in page.text

    page = act(sandbox, token, "reopen", dialog_id=did)
    assert flash(page.text) == ("success", f"Dialog {did} was reopened.")
    assert dialog_of(sandbox, env)["state"] == "open"
    notes = [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["type"] == "comment"]
    assert len(notes) == 5, [n["text"] for n in notes]  # tag +/-, assigned, closed, reopened
    wait_c2d(sandbox)


def test_an_action_on_another_clients_dialog_does_nothing(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    token, _page = open_tab(sandbox, portal_name, "lead", entity)
    other = c2d_state(sandbox, env.c2d)["clients"][1]
    foreign = dialog_of(sandbox, env, other["id"])
    c2d_control(sandbox, "log", method="delete", token=env.c2d)
    for action, fields in (
        ("reply", {"text": "hi"}),
        ("close", {}),
        ("assign", {"operator_id": "3"}),
        ("tag_add", {"tag_id": "1"}),
    ):
        page = act(sandbox, token, action, dialog_id=str(foreign["id"]), **fields)
        assert flash(page.text)[0] == "error", action
        assert "not one of this record" in html_lib.unescape(page.text)
    assert c2d_posts(sandbox, env, "/v1/") == []
    assert dialog_of(sandbox, env, other["id"])["state"] == foreign["state"]


def test_a_form_without_its_csrf_value_is_refused(sandbox, portal_name):
    env = world(sandbox, portal_name)
    token, _page = open_tab(
        sandbox, portal_name, "lead", lead(sandbox, portal_name, phone=env.phone)
    )
    did = str(dialog_of(sandbox, env)["id"])
    resp = act(sandbox, token, "reply", csrf_value="forged", dialog_id=did, text="x")
    assert resp.status_code == 400
    assert c2d_posts(sandbox, env, "/v1/messages") == []


def test_users_without_access_see_no_dialog_and_cannot_act(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone, ASSIGNED_BY_ID=1)
    configure(sandbox, env.member_id, tab="access", tab_access="listed", tab_users=["3"])
    did = str(dialog_of(sandbox, env)["id"])
    token, page = open_tab(sandbox, portal_name, "lead", entity, user_id=2)
    assert page.status_code == 403
    assert 'id="tab-refused"' in page.text and "Access tab" in page.text
    assert f"dialog-{did}" not in page.text and "<form" not in page.text
    resp = act(sandbox, token, "reply", csrf_value="x", dialog_id=did, text="sneaky")
    assert resp.status_code == 403
    assert c2d_posts(sandbox, env, "/v1/messages") == []
    _token, listed = open_tab(sandbox, portal_name, "lead", entity, user_id=3)
    assert listed.status_code == 200 and f"dialog-{did}" in listed.text
    b24(sandbox, portal_name, "crm.lead.update", {"id": entity, "fields": {"ASSIGNED_BY_ID": 2}})
    _token, own = open_tab(sandbox, portal_name, "lead", entity, user_id=2)
    assert own.status_code == 200 and f"dialog-{did}" in own.text  # the responsible always may


def test_write_first_then_close_completes_the_linked_lead(sandbox, portal_name):
    env = world(sandbox, portal_name)
    phone = "+79990001122"
    entity = lead(sandbox, portal_name, phone=phone, TITLE="Armchair")
    token, page = open_tab(sandbox, portal_name, "lead", entity)
    assert 'id="write-first"' in page.text
    page = act(sandbox, token, "write_first", channel_id="1", transport="whatsapp", text="Hello!")
    assert flash(page.text)[0] == "success", page.text[:800]
    data = c2d_state(sandbox, env.c2d)
    [client] = [c for c in data["clients"] if c["client_phone"] == phone]
    [msg] = [m for m in data["messages"] if m["client_id"] == client["id"]]
    assert msg["text"] == "Hello!" and msg["transport"] == "whatsapp"
    assert 'id="write-first"' not in page.text and f"dialog-{msg['dialog_id']}" in page.text
    again = act(sandbox, token, "write_first", channel_id="1", transport="whatsapp", text="Hi")
    assert flash(again.text)[0] == "error"  # a second "write first" writes nothing
    assert (
        len([m for m in c2d_state(sandbox, env.c2d)["messages"] if m["client_id"] == client["id"]])
        == 1
    )
    leads_before = set(state(sandbox, portal_name)["leads"])
    closed = c2d_control(
        sandbox, "events/close_dialog", {"dialog_id": msg["dialog_id"]}, token=env.c2d
    )
    assert closed["statuses"] == [200]
    after = state(sandbox, portal_name)
    assert set(after["leads"]) == leads_before
    comments = [c for c in after["comments"] if c["ENTITY_TYPE"] == "lead"]
    assert [c["ENTITY_ID"] for c in comments] == [entity]
    c2d_control(sandbox, "redeliver", {"payload": closed["payload"]}, token=env.c2d)
    assert (
        len([c for c in state(sandbox, portal_name)["comments"] if c["ENTITY_TYPE"] == "lead"]) == 1
    )
