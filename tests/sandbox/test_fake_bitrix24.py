"""Tests of the fake Bitrix24: OAuth, REST envelope, batch, CRM, limits, events, UI."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
import responses

from b24app.sandbox.bitrix24 import create_fake_bitrix24
from b24app.sandbox.bitrix24.phpform import encode, parse_query

APP_URL = "http://app.test"


@pytest.fixture
def fake():
    """A fake with one classic-mode portal `demo`."""
    app = create_fake_bitrix24(app_url=APP_URL, client_id="local.app", client_secret="s3cret")
    return app


@pytest.fixture
def client(fake):
    """Flask test client of the fake."""
    return fake.test_client()


@pytest.fixture
def portal(client):
    """Identity and admin tokens of a fresh portal."""
    return client.post("/_control/portals", json={"name": "demo"}).get_json()


def call(client, portal, method, **params):
    """A JSON REST call with the portal's token."""
    body = json.dumps({"auth": portal["access_token"], **params})  # keeps key order
    return client.post(
        f"/p/{portal['name']}/rest/{method}", data=body, content_type="application/json"
    )


def test_php_bracket_parsing_roundtrip():
    data = parse_query(
        "fields[TITLE]=x&fields[PHONE][0][VALUE]=%2B7&fields[PHONE][0][VALUE_TYPE]"
        "=WORK&ids[]=1&ids[]=2&halt=0"
    )
    assert data == {
        "fields": {"TITLE": "x", "PHONE": [{"VALUE": "+7", "VALUE_TYPE": "WORK"}]},
        "ids": ["1", "2"],
        "halt": "0",
    }
    assert parse_query(encode(data)) == data


def test_form_encoded_rest_call(client, portal):
    body = encode(
        {
            "auth": portal["access_token"],
            "fields": {"NAME": "Ann", "PHONE": [{"VALUE": "+7 916", "VALUE_TYPE": "WORK"}]},
        }
    )
    resp = client.post(
        "/p/demo/rest/crm.contact.add.json",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 200 and resp.get_json()["result"] == 1
    got = call(client, portal, "CRM.CONTACT.GET", id=1).get_json()["result"]
    assert got["ID"] == "1" and got["PHONE"][0]["VALUE"] == "+7 916"


def test_refresh_rotates_and_old_refresh_is_invalid_grant(client, portal, fake):
    args = {
        "grant_type": "refresh_token",
        "client_id": "local.app",
        "client_secret": "s3cret",
        "refresh_token": portal["refresh_token"],
    }
    first = client.get("/oauth/token/", query_string=args)
    assert first.status_code == 200
    data = first.get_json()
    assert data["refresh_token"] != portal["refresh_token"]
    assert data["member_id"] == portal["member_id"]
    assert data["client_endpoint"] == portal["client_endpoint"]
    assert data["domain"] == "localhost" and data["expires_in"] == 3600
    again = client.get("/oauth/token/", query_string=args)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    wrong = client.get("/oauth/token/", query_string={**args, "client_secret": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert fake.extensions["fake_b24"].by_member(portal["member_id"]).refresh_count == 1
    assert (
        call(client, {**portal, "access_token": data["access_token"]}, "user.admin").status_code
        == 200
    )


def test_expire_gives_expired_token_and_unknown_is_invalid(client, portal):
    client.post("/_control/p/demo/expire")
    resp = call(client, portal, "user.current")
    assert resp.status_code == 401
    assert resp.get_json() == {
        "error": "expired_token",
        "error_description": "The access token provided has expired.",
    }
    bad = call(client, {**portal, "access_token": "nope"}, "user.current")
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_token"


def test_oauth_app_info_and_entry_payload(client, portal):
    entry = client.post("/_control/p/demo/entry", json={"user_id": 2, "lang": "ru"}).get_json()
    assert entry["query"]["LANG"] == "ru" and entry["query"]["DOMAIN"] == "demo.bitrix24.test"
    assert entry["form"]["SERVER_ENDPOINT"] == "http://localhost/rest/"
    info = client.get("/rest/app.info", query_string={"auth": entry["form"]["AUTH_ID"]}).get_json()
    assert info["result"]["client_id"] == "local.app" and info["result"]["user_id"] == 2
    assert info["result"]["install"]["member_id"] == portal["member_id"]
    assert info["result"]["install"]["installed"] is False
    assert (
        call(client, {**portal, "access_token": entry["form"]["AUTH_ID"]}, "user.admin").get_json()[
            "result"
        ]
        is False
    )


def test_batch_chaining_errors_and_empty_maps(client, portal):
    cmd = {
        "contact": "crm.contact.add?" + encode({"fields": {"NAME": "Bob"}}),
        "deal": "crm.deal.add?"
        + encode({"fields": {"TITLE": "T", "CONTACT_ID": "$result[contact]"}}),
        "get": "crm.deal.get?id=$result[deal]",
        "bad": "crm.deal.get?id=999",
        "note": "crm.timeline.comment.add?"
        + encode(
            {"fields": {"ENTITY_TYPE": "deal", "ENTITY_ID": "$result[get][ID]", "COMMENT": "hi"}}
        ),
    }
    body = call(client, portal, "batch", halt=0, cmd=cmd).get_json()["result"]
    assert body["result"]["contact"] == 1 and body["result"]["deal"] == 1
    assert body["result"]["get"]["CONTACT_ID"] == "1"
    assert body["result"]["note"] == 1
    assert body["result_error"]["bad"]["error_description"] == "Not found"
    assert body["result_total"] == [] and body["result_next"] == []
    ok = call(client, portal, "batch", cmd={"a": "user.admin"}).get_json()["result"]
    assert ok["result_error"] == []
    halted = call(client, portal, "batch", halt=1, cmd=["crm.deal.get?id=999", "user.admin"])
    assert halted.status_code == 200 and halted.get_json()["result"]["result"] == []
    too_many = call(client, portal, "batch", cmd=["user.admin"] * 51).get_json()["result"]
    assert len(too_many["result"]) == 50  # only the command beyond 50 fails (batch.md)
    assert too_many["result_error"]["50"]["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    log = client.get("/_control/p/demo/log").get_json()
    assert log[0]["method"] == "batch" and log[0]["batch_cmds"][0] == "crm.contact.add"


def test_user_get_paginates_120_users(client):
    portal = client.post("/_control/portals", json={"name": "big", "users": 120}).get_json()
    first = call(client, portal, "user.get").get_json()
    assert len(first["result"]) == 50 and first["total"] == 120 and first["next"] == 50
    last = call(client, portal, "user.get", start=100).get_json()
    assert len(last["result"]) == 20 and "next" not in last
    active = call(client, portal, "user.get", FILTER={"ACTIVE": True}).get_json()
    assert active["total"] == 119
    by_mail = call(client, portal, "user.get", FILTER={"EMAIL": "anna.petrova@example.com"})
    assert by_mail.get_json()["result"][0]["ID"] == "2"


def test_simple_mode_lead_becomes_deal(client, portal, fake):
    client.post("/_control/p/demo/mode", json={"mode": 2})
    assert call(client, portal, "crm.settings.mode.get").get_json()["result"] == 2
    lead_id = call(
        client,
        portal,
        "crm.lead.add",
        fields={
            "TITLE": "From chat",
            "NAME": "Eve",
            "PHONE": [{"VALUE": "+1 555", "VALUE_TYPE": "WORK"}],
        },
    ).get_json()["result"]
    assert call(client, portal, "crm.lead.get", id=lead_id).status_code == 400
    deals = call(client, portal, "crm.deal.list").get_json()
    assert deals["total"] == 1 and deals["result"][0]["LEAD_ID"] == str(lead_id)
    state = client.get("/_control/p/demo/state").get_json()
    assert state["lead_add_calls"] == 1 and state["settings_mode"] == 2


def test_findbycomm_digits_only(client, portal):
    call(
        client,
        portal,
        "crm.contact.add",
        fields={"NAME": "A", "PHONE": [{"VALUE": "+7 (916) 123-45-67", "VALUE_TYPE": "WORK"}]},
    )
    found = call(client, portal, "crm.duplicate.findbycomm", type="PHONE", values=["79161234567"])
    assert found.get_json()["result"] == {"CONTACT": [1]}
    none = call(client, portal, "crm.duplicate.findbycomm", type="PHONE", values=["000"])
    assert none.get_json()["result"] == []
    listed = call(
        client,
        portal,
        "crm.contact.list",
        filter={"=PHONE": "+79161234567"},
        select=["ID", "PHONE"],
    ).get_json()
    assert listed["total"] == 1 and listed["result"][0]["PHONE"][0]["VALUE_TYPE"] == "WORK"


def test_crm_validation_errors(client, portal):
    bad_cat = call(client, portal, "crm.deal.add", fields={"TITLE": "x", "CATEGORY_ID": 9})
    assert bad_cat.status_code == 400 and bad_cat.get_json()["error"] == ""
    bad_enum = call(client, portal, "crm.deal.add", fields={"UF_CRM_1700000006": "5"})
    assert bad_enum.status_code == 400
    bad_date = call(client, portal, "crm.deal.add", fields={"UF_CRM_1700000004": "01.02.2024"})
    assert bad_date.status_code == 400
    ok = call(
        client,
        portal,
        "crm.deal.add",
        fields={"UF_CRM_1700000006": "101", "UF_CRM_1700000004": "2024-02-01"},
    )
    assert ok.status_code == 200
    no_owner = call(
        client,
        portal,
        "crm.timeline.comment.add",
        fields={"ENTITY_TYPE": "lead", "ENTITY_ID": 5, "COMMENT": "x"},
    )
    assert no_owner.get_json()["error"] == "OWNER_NOT_FOUND"
    fields = call(client, portal, "crm.deal.fields").get_json()["result"]
    assert fields["UF_CRM_1700000006"]["items"][0] == {"ID": "101", "VALUE": "Retail"}
    item = call(
        client,
        portal,
        "crm.item.add",
        entityTypeId=2,
        fields={"title": "Item", "categoryId": 2, "ufCrm_1700000001": "c1"},
    ).get_json()
    assert item["result"]["item"]["categoryId"] == "2" and item["result"]["item"]["id"] == 2


def test_rename_redirects_old_path(client, portal):
    renamed = client.post("/_control/p/demo/rename", json={"new_name": "demo2"}).get_json()
    assert renamed["client_endpoint"] == "http://localhost/p/demo2/rest/"
    resp = call(client, portal, "user.admin")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "http://localhost/p/demo2/rest/user.admin"
    assert call(client, {**portal, "name": "demo2"}, "user.admin").status_code == 200


def test_rate_limit_returns_503_past_burst(client, portal, fake):
    client.post("/_control/p/demo/rate", json={"rate": 0, "burst": 3})
    codes = [call(client, portal, "user.admin").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 503, 503]
    rate = client.get("/_control/p/demo/state").get_json()["rate"]
    assert rate["rejected"] == 2 and rate["peak"] == 3


def test_fault_after_write_performs_the_write(client, portal):
    client.post("/_control/p/demo/faults", json={"method": "crm.deal.add", "kind": "after_write"})
    resp = call(client, portal, "crm.deal.add", fields={"TITLE": "lost answer"})
    assert resp.status_code == 500
    assert call(client, portal, "crm.deal.list").get_json()["total"] == 1
    assert call(client, portal, "crm.deal.add", fields={"TITLE": "ok"}).status_code == 200
    client.post("/_control/p/demo/faults", json={"method": "*", "kind": "503", "count": 1})
    assert call(client, portal, "user.admin").get_json()["error"] == "QUERY_LIMIT_EXCEEDED"
    log = client.get("/_control/p/demo/log").get_json()
    assert [e["http_status"] for e in log] == [500, 200, 200, 503]


@responses.activate
def test_event_bind_and_firing(client, portal):
    handler = "http://app.test/bitrix/events"
    responses.add(responses.POST, handler, json={"ok": True})
    assert (
        call(
            client, portal, "event.bind", event="OnImConnectorMessageAdd", handler=handler
        ).get_json()["result"]
        is True
    )
    dup = call(client, portal, "event.bind", event="ONIMCONNECTORMESSAGEADD", handler=handler)
    assert dup.status_code == 400 and dup.get_json()["error"] == "ERROR_CORE"
    assert dup.get_json()["error_description"] == "Handler already binded"
    unknown = call(client, portal, "event.bind", event="OnNothing", handler=handler)
    assert unknown.get_json()["error"] == "ERROR_EVENT_NOT_FOUND"
    call(client, portal, "event.bind", event="ONAPPUNINSTALL", handler=handler)
    call(
        client,
        portal,
        "imconnector.register",
        ID="c2d",
        NAME="Chat2Desk",
        ICON={"DATA_IMAGE": "data:image/svg+xml,x"},
        PLACEMENT_HANDLER="http://app.test/c",
    )
    inactive = call(
        client, portal, "imconnector.send.messages", CONNECTOR="c2d", LINE="1", MESSAGES=[]
    )
    assert inactive.get_json()["error"] == "NOT_ACTIVE_LINE"
    call(client, portal, "imconnector.activate", CONNECTOR="c2d", LINE="1", ACTIVE=1)
    sent = call(
        client,
        portal,
        "imconnector.send.messages",
        CONNECTOR="c2d",
        LINE="1",
        MESSAGES=[
            {
                "user": {"id": "77", "name": "Client"},
                "message": {"id": "m1", "text": "hello"},
                "chat": {"id": "555"},
            }
        ],
    ).get_json()["result"]
    assert sent["SUCCESS"] is True and sent["DATA"]["RESULT"][0]["session"]["CHAT_ID"]
    done = client.post("/p/demo/openlines/answer", data={"chat": "555", "text": "Hi there"})
    assert done.status_code == 302
    form = dict(parse_qsl(responses.calls[0].request.body))
    assert form["event"] == "ONIMCONNECTORMESSAGEADD" and form["data[CONNECTOR]"] == "c2d"
    assert form["data[MESSAGES][0][chat][id]"] == "555"
    assert form["data[MESSAGES][0][message][text]"] == "Hi there"
    assert form["auth[application_token]"] == portal["application_token"]
    assert form["auth[member_id]"] == portal["member_id"] and "auth[refresh_token]" not in form
    client.post("/_control/p/demo/uninstall", json={"clean": 1})
    gone = dict(parse_qsl(responses.calls[1].request.body))
    assert gone["event"] == "ONAPPUNINSTALL" and gone["data[CLEAN]"] == "1"
    assert "auth[access_token]" not in gone
    assert call(client, portal, "user.admin").get_json()["error"] == "invalid_token"
    deliveries = client.get("/_control/p/demo/state").get_json()["deliveries"]
    assert [d["status"] for d in deliveries] == [200, 200]


@responses.activate
def test_install_event_carries_refresh_token(client, portal):
    client.post("/_control/portals", json={"name": "demo", "install_handler": "http://app.test/i"})
    responses.add(responses.POST, "http://app.test/i", status=200)
    client.post("/_control/p/demo/install_event")
    form = dict(parse_qsl(responses.calls[0].request.body))
    assert form["event"] == "ONAPPINSTALL" and form["auth[refresh_token]"]
    assert form["data[LANGUAGE_ID]"] == "en"


def test_notifications_and_bots(client, portal):
    assert (
        call(client, portal, "im.notify.system.add", MESSAGE="x").get_json()["error"]
        == "USER_ID_EMPTY"
    )
    assert (
        call(client, portal, "im.notify.system.add", USER_ID=99, MESSAGE="x").get_json()["result"]
        is False
    )
    nid = call(client, portal, "im.notify.system.add", USER_ID=2, MESSAGE="New dialog")
    assert nid.get_json()["result"] == 1
    bot = call(client, portal, "imbot.register", CODE="c2d", PROPERTIES={"NAME": "Bot"})
    again = call(client, portal, "imbot.register", CODE="c2d", PROPERTIES={"NAME": "Bot"})
    assert bot.get_json()["result"] == again.get_json()["result"]
    assert (
        call(client, portal, "imbot.message.add", DIALOG_ID="2", MESSAGE="hi").get_json()["result"]
        == 1
    )
    page = client.get("/p/demo/notifications")
    assert b"New dialog" in page.data and b"hi" in page.data


def test_notifications_page_renders_bbcode_like_bitrix24(client, portal):
    call(client, portal, "imbot.register", CODE="c2d", PROPERTIES={"NAME": "Chat2Desk"})
    message = "[b]New message[/b]\n<script>x</script>\n[url=http://c2d.test/d?a=1&b=2]Open[/url]"
    call(client, portal, "imbot.message.add", DIALOG_ID="2", MESSAGE=message)
    html = client.get("/p/demo/notifications").data.decode()
    assert "<b>New message</b>" in html and "[b]" not in html
    assert '<a href="http://c2d.test/d?a=1&amp;b=2" target="_blank" rel="noopener">Open</a>' in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "<td>Chat2Desk</td>" in html  # the bot's name, not its id


def test_portal_ui_install_flow(client, portal, fake):
    page = client.get("/p/demo/")
    assert b'id="install"' in page.data
    installer = client.get("/p/demo/?install=1").data.decode()
    assert 'action="http://app.test/install?DOMAIN=demo.bitrix24.test&amp;PROTOCOL=0' in installer
    assert 'name="demo.bitrix24.test|0|' in installer and 'name="AUTH_ID"' in installer
    client.post("/p/demo/_ui/install_finish")
    main = client.get("/p/demo/").data.decode()
    assert 'action="http://app.test/?DOMAIN=' in main
    for path in (
        "/",
        "/p/demo/crm/",
        "/p/demo/openlines",
        "/p/demo/events",
        "/p/demo/users",
        "/bx24.js",
    ):
        assert client.get(path).status_code == 200
    call(client, portal, "crm.deal.add", fields={"TITLE": "Shown"})
    assert b"Shown" in client.get("/p/demo/crm/deal/details/1/").data


def test_timeout_fault_sleeps_then_answers(client, portal):
    client.post(
        "/_control/p/demo/faults", json={"method": "user.admin", "kind": "timeout", "seconds": 0.01}
    )
    assert call(client, portal, "user.admin").get_json()["result"] is True
    assert client.get("/_control/p/demo/faults").get_json()[0]["count"] == 0


def test_open_lines_config_and_connector_status(client, portal):
    lines = call(client, portal, "imopenlines.config.list.get", PARAMS={"limit": 1}).get_json()
    assert lines["result"] == [{**lines["result"][0], "ID": "1", "LINE_NAME": "Sales"}]
    no_icon = call(client, portal, "imconnector.register", ID="c2d", NAME="C2D")
    assert no_icon.get_json()["result"] == {"result": False, "error": "ICON_REQUIRED"}
    call(
        client,
        portal,
        "imconnector.register",
        ID="c2d",
        NAME="C2D",
        ICON={"DATA_IMAGE": "x"},
        PLACEMENT_HANDLER="http://app.test/c",
    )
    status = call(client, portal, "imconnector.status", CONNECTOR="c2d", LINE="2").get_json()
    assert status["result"]["STATUS"] is False
    call(client, portal, "imconnector.activate", CONNECTOR="c2d", LINE="2", ACTIVE=1)
    status = call(client, portal, "imconnector.status", CONNECTOR="c2d", LINE="2").get_json()
    assert status["result"] == {
        "LINE": "2",
        "CONNECTOR": "c2d",
        "ERROR": False,
        "CONFIGURED": True,
        "STATUS": True,
    }
