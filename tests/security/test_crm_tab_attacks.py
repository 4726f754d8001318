"""Attacks on the CRM card tab: another portal's dialog, a forged entry, a replayed token."""

from tests.e2e.helpers import c2d_control, control, post_entry
from tests.e2e.tab_helpers import act, c2d_posts, dialog_of, flash, lead, open_tab, world


def test_a_dialog_of_another_portal_cannot_be_acted_on(sandbox, portal_name):
    mine = world(sandbox, portal_name)
    theirs = world(sandbox, portal_name + "b")
    token, _page = open_tab(
        sandbox, portal_name, "lead", lead(sandbox, portal_name, phone=mine.phone)
    )
    foreign = dialog_of(sandbox, theirs)
    c2d_control(sandbox, "log", method="delete", token=theirs.c2d)
    c2d_control(sandbox, "log", method="delete", token=mine.c2d)
    for action in ("reply", "close", "assign", "tag_add"):
        fields = {"text": "hijack", "operator_id": "2", "tag_id": "1"}
        page = act(sandbox, token, action, dialog_id=str(foreign["id"]), **fields)
        assert flash(page.text)[0] == "error", action
    assert c2d_posts(sandbox, theirs, "/v1/") == [] and c2d_posts(sandbox, mine, "/v1/") == []
    assert dialog_of(sandbox, theirs)["state"] == foreign["state"]


def test_a_forged_entry_gets_no_tab_and_no_session(sandbox, portal_name):
    env = world(sandbox, portal_name)
    entity = lead(sandbox, portal_name, phone=env.phone)
    payload = control(
        sandbox,
        f"p/{portal_name}/entry",
        {"placement": "CRM_LEAD_DETAIL_TAB", "options": {"ID": str(entity)}},
    )
    resp = post_entry(sandbox, "/crm/tab", payload, AUTH_ID="forged-token")
    assert resp.status_code in (401, 403) and "Location" not in resp.headers
    other = post_entry(sandbox, "/crm/tab", payload, PLACEMENT="DEFAULT")
    assert other.status_code == 400 and "Location" not in other.headers


def test_a_tampered_frame_token_is_refused(sandbox, portal_name):
    env = world(sandbox, portal_name)
    token, _page = open_tab(
        sandbox, portal_name, "lead", lead(sandbox, portal_name, phone=env.phone)
    )
    did = str(dialog_of(sandbox, env)["id"])
    resp = act(sandbox, token[:-2] + "xx", "reply", csrf_value="x", dialog_id=did, text="hi")
    assert resp.status_code == 401
    assert c2d_posts(sandbox, env, "/v1/messages") == []
