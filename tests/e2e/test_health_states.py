"""Health tells the truth and the way out (issue 15, item 5): each state of each line."""

import re

import requests

from .flows_world import make_world
from .helpers import TIMEOUT, control, csrf_of, install, installed_portal, open_app, page, submit


def _lines(html: str) -> dict:
    """{check name: (data-ok, data-state, whole line)}."""
    out = {}
    for ok, state, body in re.findall(
        r'<tr class="health-check [^"]*" data-ok="(\d)" data-state="(\w+)">(.*?)</tr>', html, re.S
    ):
        name = re.sub(r"<[^>]+>|●|○", "", body.split("</td>", 1)[0]).strip()
        out[name] = (ok, state, body)
    return out


def _put_webhook(world, **fields) -> None:
    hook = world.c2d_state()["webhooks"][0]
    resp = requests.put(
        f"{world.box.c2d_api}/webhooks/{hook['id']}",
        json=fields,
        headers={"Authorization": world.c2d_token},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200, resp.text


def test_fresh_install_is_not_red_and_says_not_connected_with_a_link(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    html = page(sandbox, "/settings/health", token).text
    lines = _lines(html)
    assert 'data-ok="0"' not in html and "b24-bad" not in html.split("<h1>", 1)[1]
    ok, state, body = lines["Chat2Desk connected"]
    assert state == "neutral" and "not connected" in body
    assert 'href="/settings/connection?t=' in body
    assert lines["Last event"][1] == "neutral" and "no events yet" in lines["Last event"][2]
    assert lines["Open Lines connector"][1] == "neutral"
    assert lines["Failures in the last 24 h"][1] == "ok"


def test_connected_with_events_is_green_and_event_codes_are_words(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.event("new_request")
    html = page(sandbox, "/settings/health", world.frame_token).text
    lines = _lines(html)
    assert all(state == "ok" for _ok, state, _b in lines.values() if _b and state != "neutral")
    assert lines["Last event"][1] == "ok" and lines["Chat2Desk webhook"][1] == "ok"
    bound = lines["Bitrix24 events bound"][2]
    assert "uninstall" in bound and "Open Line replies" in bound
    assert "ONAPPUNINSTALL" not in html and "ONIMCONNECTORMESSAGEADD" not in html


def test_disabled_webhook_is_red_shown_on_connection_and_re_enabled_by_a_button(
    sandbox, portal_name
):
    world = make_world(sandbox, portal_name)
    _put_webhook(world, status="disable")  # what Chat2Desk does after failed deliveries
    lines = _lines(page(sandbox, "/settings/health", world.frame_token).text)
    ok, state, body = lines["Chat2Desk webhook"]
    assert (ok, state) == ("0", "bad") and "disabled by Chat2Desk" in body
    assert "Save the Connection tab" not in body and 'href="/settings/connection?t=' in body
    conn = page(sandbox, "/settings/connection", world.frame_token).text
    assert 'id="webhook-state" data-state="disabled"' in conn and 'id="webhook-enable"' in conn
    resp = submit(
        sandbox,
        "/settings/connection/webhook?t=" + world.frame_token,
        world.frame_token,
        {},
        csrf=csrf_of(conn),
    )
    assert resp.status_code == 302
    assert world.c2d_state()["webhooks"][0]["status"] == "enable"
    conn = page(sandbox, "/settings/connection", world.frame_token).text
    assert 'data-state="enabled"' in conn and 'id="webhook-enable"' not in conn
    assert (
        _lines(page(sandbox, "/settings/health", world.frame_token).text)["Chat2Desk webhook"][1]
        == "ok"
    )


def test_delivery_errors_never_show_the_webhook_secret(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    url = world.webhook_url()
    secret = url.rsplit("/", 1)[1]
    world.redeliver({"hook_type": "inbox", "message_id": {"not": "an id"}})  # answered 400
    hook = world.c2d_state()["webhooks"][0]
    assert any(secret in e["text"] for e in hook["errors"])  # Chat2Desk quotes the URL
    health = page(sandbox, "/settings/health", world.frame_token).text
    conn = page(sandbox, "/settings/connection", world.frame_token).text
    assert "Response code 400" in health and "Response code 400" in conn
    assert secret not in health and secret not in conn
    assert _lines(health)["Webhook delivery errors"][1] == "bad"


def test_disconnected_account_says_not_connected(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    conn = page(sandbox, "/settings/connection", world.frame_token).text
    resp = submit(
        sandbox,
        "/settings/connection/disconnect?t=" + world.frame_token,
        world.frame_token,
        {"confirm": "1"},
        csrf=csrf_of(conn),
    )
    assert resp.status_code == 302
    lines = _lines(page(sandbox, "/settings/health", world.frame_token).text)
    assert "not connected" in lines["Chat2Desk connected"][2]
    assert 'href="/settings/connection?t=' in lines["Chat2Desk connected"][2]


def test_common_tab_says_when_the_connector_is_no_longer_active_after_a_reinstall(
    sandbox, portal_name
):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    on = {
        "notify_incoming": "y",
        "openlines_enabled": "y",
        "openline_id": "1",
        "dialog_links": "chat2desk",
    }
    assert submit(sandbox, "/settings/common", token, on).status_code == 302
    notice = "no longer active on the chosen line"
    assert notice not in page(sandbox, "/settings/common", token).text
    control(sandbox, f"p/{portal_name}/uninstall", {"clean": "0"})  # Bitrix24 drops connectors
    control(sandbox, f"p/{portal_name}/installed", {"installed": True})  # the admin installs again
    assert install(sandbox, portal_name).status_code == 200
    token = open_app(sandbox, portal_name)
    html = page(sandbox, "/settings/common", token).text
    assert notice in html and 'role="alert"' in html
    assert submit(sandbox, "/settings/common", token, on).status_code == 302
    assert notice not in page(sandbox, "/settings/common", token).text
