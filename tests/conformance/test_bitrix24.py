"""Conformance with the Bitrix24 REST documentation (issue #12 items 1-7).

Each test takes a published fact (tests/conformance/samples.py, source beside each), checks that the
sandbox portal behaves that way, and runs the app's flow against it.
"""

import re
import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests

from b24app.clients.bitrix24 import Bitrix24Client, OperationTimeLimitError, error_for
from b24app.clients.http import php_query
from b24app.flows.people import ol_name
from b24app.lifecycle import already_bound
from tests.e2e.flows_world import make_world
from tests.e2e.helpers import TIMEOUT, b24_log, c2d_control, clear_b24_log, control
from tests.e2e.ol_helpers import c2d_state, inbox, line_messages, setup_portal, wait_c2d

from . import samples

SIMPLE = 2
IVAN = "Ivan Smirnov"


def _fields(world, kind: str) -> dict:
    return world.rest(f"crm.{kind}.fields", {})


def test_1_done_marker_exists_on_a_real_portal(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    for kind in ("deal", "lead"):
        fields = _fields(world, kind)
        for code, ftype in samples.DEAL_ORIGIN_FIELDS.items():
            assert fields[code]["type"] == ftype and not fields[code]["isReadOnly"]
        assert not set(samples.NOT_DEAL_OR_LEAD_FIELDS) & set(fields)
    # the portal drops a field the entity lacks, silently
    deal_id = world.rest("crm.deal.add", {"fields": {"TITLE": "x", "ORIGIN_VERSION": "v"}})
    assert "ORIGIN_VERSION" not in world.b24()["deals"][str(deal_id)]
    # the close: the write batch runs, its answer is lost, the app retries by itself (200
    # `retrying` to Chat2Desk) → one of each
    client = world.client(IVAN)
    world.fault(method="crm.deal.add", kind="after_write", count=1)
    sandbox.app.config.update(JOURNAL_RETRY_BASE=0.3, JOURNAL_RETRY_CAP=0.6)
    try:
        assert world.event("close_dialog", client_id=client["id"])["statuses"] == [200]
        world.wait_for("close_dialog", "done")
    finally:
        sandbox.app.config.update(JOURNAL_RETRY_BASE=10.0, JOURNAL_RETRY_CAP=3600.0)
    state = world.b24()
    made = [d for d in state["deals"].values() if d.get("ORIGINATOR_ID") == "chat2desk"]
    assert len(made) == 1
    assert [c["ENTITY_ID"] for c in state["comments"]] == [int(made[0]["ID"])]
    [row] = [r for r in world.journal() if r.hook_type == "close_dialog"]
    assert row.status == "done" and "Already done" in row.decision


def test_2_a_notification_tag_is_unique_per_recipient(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    # the documented rule on the sandbox: a TAG removes the earlier notices, whoever got them
    first = {**samples.NOTIFY_SYSTEM_ADD, "USER_ID": 1}
    world.rest("im.notify.system.add", first)
    world.rest("im.notify.system.add", {**samples.NOTIFY_SYSTEM_ADD, "USER_ID": 2})
    assert [n["USER_ID"] for n in world.b24()["notifications"]] == [2]
    # two recipients of one message (supervisors 2 and 5, mapped to users 4 and 5) keep theirs
    world.set("operators", user_2="4", user_5="5")
    world.portal_attr(bot_id=None)
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text="first")
    world.event("inbox", client_id=client["id"], text="second")
    notes = [n for n in world.b24()["notifications"] if n["TAG"].startswith("c2d:")]
    assert sorted(n["USER_ID"] for n in notes) == [4, 5]
    assert all("second" in n["MESSAGE"] for n in notes)  # the newer replaced only its own


def test_3_open_lines_names_follow_bitrix24s_rule(sandbox, portal_name):
    rule = re.compile(samples.OL_NAME_ALLOWED)
    for raw in (
        "Ivan Smirnov 2nd",
        "Maria-José O'Neil (VIP)",
        "Peter 1st",
        "Александра Константинопольская-Щедрина",
    ):
        name = ol_name({"name": raw})
        assert name and len(name) <= samples.OL_NAME_MAX and rule.match(name), name
    assert ol_name({"name": "[chat] 1d0bb2e221762cfcc05c"}) == ""
    # through the sandbox's line, which refuses what the docs do not allow
    env = setup_portal(sandbox, portal_name)
    renamed = {"name": "Ivan Smirnov 2nd", "assigned_name": "Ivan Smirnov 2nd"}
    c2d_control(
        sandbox,
        "events/client_updated",
        {"client_id": env.client_id, "fields": renamed},
        token=env.c2d,
    )
    inbox(sandbox, env, text="hello")
    clients = c2d_state(sandbox, env.c2d)["clients"]
    pseudo = next(c for c in clients if c["name"].startswith("[chat]"))
    inbox(sandbox, env, client_id=pseudo["id"], text="hello from the widget")
    first, second = line_messages(sandbox, env)
    assert first["AUTHOR"]["name"] == "Ivan Smirnov" and first["TEXT"] == "hello"
    assert "name" not in second["AUTHOR"] and "phone" not in second["AUTHOR"]


def test_4_money_as_amount_currency_and_php_booleans(sandbox, portal_name):
    # PHP: http_build_query(["a" => true, "b" => false]) === "a=1&b=0" (php.net http_build_query)
    assert php_query({"a": True, "b": False}) == "a=1&b=0"
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    money = next(
        code for code, d in _fields(world, "deal").items() if d["type"] == "money"
    )  # its DEFAULT_VALUE names the currency, `{VALUE}|{CURRENCY}` (crm-contact-userfield-get.md)
    world.set("fields", deal_cf_2=money)  # Chat2Desk "Budget" = 150000 for Ivan
    client = world.client(IVAN)
    world.event("close_dialog", client_id=client["id"])
    [deal] = world.b24()["deals"].values()
    assert deal[money] == "150000|RUB"  # the format of api-reference/crm/currency/index.md


def test_5_duplicate_event_bind_is_bound(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    bound = world.rest("event.get", {})[0]  # what the app bound at install
    body = {"event": bound["event"], "handler": bound["handler"]}
    info = control(sandbox, f"p/{portal_name}/tokens", {"user_id": 1})
    resp = requests.post(
        info["client_endpoint"] + "event.bind",
        json={**body, "auth": info["access_token"]},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 400 and resp.json()["error"] == "ERROR_CORE"
    err = error_for(resp.json()["error"], resp.json()["error_description"], status=400)
    assert already_bound(err)
    assert already_bound(error_for("ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!"))
    assert not already_bound(error_for("ERROR_CORE", "Unknown error"))


def _client(sandbox, portal_name, sleeps: list) -> Bitrix24Client:
    info = control(sandbox, f"p/{portal_name}/tokens", {"user_id": 1})
    return Bitrix24Client(info["client_endpoint"], info["access_token"], sleep=sleeps.append)


def test_6_operation_time_limit_is_paced_and_backed_off(sandbox, portal_name):
    make_world(sandbox, portal_name)
    control(sandbox, f"p/{portal_name}/operating", {"limit": 480, "cost": 100})
    sleeps: list = []
    b24 = _client(sandbox, portal_name, sleeps)
    blocks = [b24.call_full("crm.deal.list", {})["time"] for _ in range(5)]
    assert [round(b["operating"] / 100) for b in blocks] == [1, 2, 3, 4, 5]  # limits.md fields
    # the sandbox, past the limit, refuses with 429 and — as a real portal — no `time` block
    info = control(sandbox, f"p/{portal_name}/tokens", {"user_id": 1})
    raw = requests.post(
        info["client_endpoint"] + "crm.deal.list", json={"auth": info["access_token"]}, timeout=9
    )
    assert raw.status_code == 429 and raw.json()["error"] == "OPERATION_TIME_LIMIT"
    assert "time" not in raw.json()
    # the app holds the method back by the last answer's operating / operating_reset_at
    clear_b24_log(sandbox, portal_name)
    with pytest.raises(OperationTimeLimitError) as held:
        b24.call("crm.deal.list", {})
    assert held.value.transient and held.value.reset_at >= blocks[-1]["operating_reset_at"] - 1
    assert b24_log(sandbox, portal_name) == []  # nothing was sent into the 429
    # another method is not held; a 429 that comes anyway is backed off (capped) and retried
    control(sandbox, f"p/{portal_name}/faults", {"method": "user.admin", "kind": "429"})
    assert b24.call("user.admin") is True
    assert sleeps == [0.5]


def _rest(info: dict):
    def call(method: str, **params):
        body = {**params, "auth": info["access_token"]}
        return requests.post(info["client_endpoint"] + method, json=body, timeout=TIMEOUT).json()

    return call


def test_7_sandbox_portal_is_the_documented_portal(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    info = control(sandbox, f"p/{portal_name}/tokens", {"user_id": 1})
    rest = _rest(info)
    # batch.md: "subqueries beyond the limit will end with an error ERROR_BATCH_LENGTH_EXCEEDED"
    batch = rest("batch", cmd={f"c{i}": "user.admin" for i in range(51)})["result"]
    assert len(batch["result"]) == 50
    assert batch["result_error"]["c50"]["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    # events/index.md "No retries": a handler that fails is not called again
    dead = sandbox.app_url + "/no-such-handler"
    assert rest("event.bind", event="ONAPPUPDATE", handler=dead)["result"] is True
    # offline events wait in the queue (event-offline-get.md, -list.md, -clear.md)
    offline = {
        "event": "ONAPPUPDATE",
        "handler": "https://offline.example/",
        "event_type": "offline",
    }
    assert rest("event.bind", **offline)["result"] is True
    control(sandbox, f"p/{portal_name}/fire", {"event": "ONAPPUPDATE", "data": {"VERSION": "2"}})
    time.sleep(1.0)
    calls = [d for d in world.b24()["deliveries"] if d["handler"] == dead]
    assert len(calls) == 1 and calls[0]["status"] == 404
    got = rest("event.offline.get", clear=0)["result"]
    assert got["process_id"] and [e["EVENT_NAME"] for e in got["events"]] == ["ONAPPUPDATE"]
    assert set(got["events"][0]) == set(samples.OFFLINE_EVENT_KEYS)
    listed = rest("event.offline.list")
    assert listed["total"] == 1 and listed["result"][0]["PROCESS_ID"] == got["process_id"]
    assert rest("event.offline.error", process_id=got["process_id"], message_id=["1"])["result"]
    assert rest("event.offline.clear", process_id=got["process_id"])["result"] is True
    assert rest("event.offline.list")["total"] == 0
    # ONAPPINSTALL's auth has no user_id (on-app-install.md)
    assert rest("event.bind", event="ONAPPINSTALL", handler=dead)["result"] is True
    [install] = control(sandbox, f"p/{portal_name}/fire", {"event": "ONAPPINSTALL", "data": {}})
    auth = install["payload"]["auth"]
    assert "user_id" not in auth and auth["access_token"] and auth["member_id"]
    # app.info on the OAuth server: `expires` an ISO date-time; refresh: `domain` = OAuth host
    server = info["server_endpoint"]
    app_info = requests.post(server + "app.info", json={"auth": info["access_token"]}, timeout=9)
    datetime.fromisoformat(app_info.json()["result"]["expires"])
    config = sandbox.app.config
    refreshed = requests.get(
        server.removesuffix("rest/") + "oauth/token/",
        params={
            "grant_type": "refresh_token",
            "client_id": config["B24_CLIENT_ID"],
            "client_secret": config["B24_CLIENT_SECRET"],
            "refresh_token": info["refresh_token"],
        },
        timeout=TIMEOUT,
    ).json()
    assert refreshed["domain"] == urlsplit(server).netloc  # settings/oauth/index.md sample


def test_7_open_lines_answers_and_operator_files(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    payload = inbox(sandbox, env, text="Send me the price list")
    [line_msg] = line_messages(sandbox, env)
    assert line_msg["TEXT"] == "Send me the price list"
    # an operator answer carrying a file reaches the client through Chat2Desk
    file = {"name": "prices.pdf", "link": "https://files.example.com/prices.pdf"}
    control(
        sandbox,
        f"p/{portal_name}/operator_message",
        {"chat_id": str(payload["dialog_id"]), "user_id": 1, "text": "", "files": [file]},
    )
    wait_c2d(sandbox)
    sent = [m for m in c2d_state(sandbox, env.c2d)["messages"] if m["type"] == "to_client"]
    assert any(file["link"] in str(m) for m in sent[-2:]), sent[-2:]
