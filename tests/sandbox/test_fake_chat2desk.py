"""The fake Chat2Desk: API envelope, webhooks rules, delivery with retries, event generators."""

import json
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from b24app.clients.chat2desk import Chat2DeskClient, real_phone
from b24app.sandbox.chat2desk import create_fake_chat2desk

TOKEN = "sandbox-token"
AUTH = {"Authorization": TOKEN}


class Receiver:
    """A local webhook receiver answering with queued status codes (then 200)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.codes: list[int] = []
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @Request.application
    def _app(self, request):
        self.bodies.append(json.loads(request.get_data()))
        return Response("ok", status=self.codes.pop(0) if self.codes else 200)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def app():
    return create_fake_chat2desk(retry_delays=(0.05, 0.05), disable_after=0.3)


@pytest.fixture
def fake(app):
    yield app.extensions["fake_c2d"]
    app.extensions["fake_c2d"].wait_idle(10)


@pytest.fixture
def http(app):
    return app.test_client()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def subscribe(http, url, events=("inbox", "outbox", "close_dialog"), **extra):
    body = {"name": "b24", "url": url, "events": list(events), **extra}
    return http.post("/v1/webhooks", json=body, headers=AUTH)


def event(http, kind, token=TOKEN, **overrides):
    resp = http.post(f"/_control/c/{token}/events/{kind}", json=overrides)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_envelope_and_pagination(http):
    resp = http.get("/v1/operators?limit=2&offset=3", headers=AUTH)
    body = resp.get_json()
    assert body["status"] == "success"
    assert body["meta"] == {"total": 5, "limit": 2, "offset": 3}
    assert [op["id"] for op in body["data"]] == [4, 5]
    capped = http.get("/v1/tags?limit=5000", headers=AUTH).get_json()
    assert capped["meta"]["limit"] == 200


def test_seed_data(http):
    operators = http.get("/v1/operators", headers=AUTH).get_json()["data"]
    emails = [op["email"] for op in operators[:4]]
    assert emails == [
        "admin@example.com",
        "maria.supervisor@example.com",
        "ivan.operator@example.com",
        "olga.operator@example.com",
    ]
    assert "role" not in operators[4] and operators[4]["access_right_name"] == "Супервайзер"
    channels = http.get("/v1/channels", headers=AUTH).get_json()["data"]
    assert [c["name"] for c in channels] == ["WhatsApp Sales", "Telegram Support", "Website chat"]
    tags = http.get("/v1/tags", headers=AUTH).get_json()["data"]
    assert [t["label"] for t in tags] == ["VIP", "Spam", "Wholesale", "Complaint"]
    phones = [
        real_phone(http.get(f"/v1/clients/{i}", headers=AUTH).get_json()["data"])
        for i in (101, 102, 103)
    ]
    assert phones == ["+79161234567", None, "+77011234567"]


def test_token_errors(http):
    for headers in ({}, {"Authorization": "wrong"}, {"Authorization": f"Bearer {TOKEN}"}):
        resp = http.get("/v1/channels", headers=headers)
        assert resp.status_code == 401
        assert resp.get_json() == {"status": "error", "message": "Token is not correct"}


def test_unknown_ids(http):
    for path in ("/v1/clients/9", "/v1/dialogs/9", "/v1/requests/9/messages", "/v1/webhooks/9"):
        method = http.put if path.startswith("/v1/webhooks") else http.get
        resp = method(path, headers=AUTH, json={})
        assert resp.status_code == 404
        assert resp.get_json() == {"status": "error", "message": "not_found"}


def test_request_messages_bare_array(http):
    rows = http.get("/v1/requests/9001/messages", headers=AUTH).get_json()
    assert isinstance(rows, list) and rows
    assert {"clientID", "operatorID", "dialogID", "channelID"} <= set(rows[0])
    assert rows[0]["type"] == "in" and isinstance(rows[0]["created"], int)
    assert {r["type"] for r in rows} == {"in", "out"}


def test_webhook_limit_and_unique_url(http):
    for n in range(5):
        assert subscribe(http, f"https://example.com/h{n}").status_code == 200
    dup = subscribe(http, "https://example.com/h0")
    assert dup.status_code == 400
    assert "already used" in dup.get_json()["message"]
    assert dup.get_json()["errors"] == {"url": ["has already been used"]}
    sixth = subscribe(http, "https://example.com/h5")
    assert sixth.status_code == 400
    assert sixth.get_json()["message"] == "Maximum number of webhooks is 5"
    hooks = http.get("/v1/webhooks", headers=AUTH).get_json()["data"]
    assert {"id", "name", "url", "events", "status", "errors", "channels"} <= set(hooks[0])
    hook_id = hooks[0]["id"]
    assert (
        http.put(f"/v1/webhooks/{hook_id}", json={"status": "disable"}, headers=AUTH).status_code
        == 200
    )
    assert http.delete(f"/v1/webhooks/{hook_id}", headers=AUTH).status_code == 200
    assert subscribe(http, "https://example.com/h5").status_code == 200


def test_real_client_against_live_fake(app, fake, receiver):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = Chat2DeskClient(TOKEN, f"http://127.0.0.1:{server.server_port}/v1")
        assert len(client.operators()) == 5
        assert len(client.messages(501)) == 3
        assert client.dialog(501)["last_request_id"] == 9001
        assert client.request_messages(9001)[0]["clientID"] == 101
        assert client.web_analytics(101)[0]["utm_source"] == "google"
        hook = client.create_webhook(name="b24", url=receiver.url, events=["outbox"])
        assert hook["status"] == "enable"
        sent = client.send_message(101, "Your order is ready")
        assert set(sent) >= {"message_id", "dialog_id", "request_id", "client_id"}
        assert fake.wait_idle(5)
        assert receiver.bodies[0]["message_id"] == sent["message_id"]
        assert receiver.bodies[0]["hook_type"] == "outbox"
        client.session.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_delivery_success(http, fake, receiver):
    subscribe(http, receiver.url)
    result = event(http, "inbox", client_id=101, text="Hi there")
    assert result["statuses"] == [200]
    assert receiver.bodies == [result["payload"]]
    payload = result["payload"]
    assert payload["hook_type"] == "inbox" and payload["type"] == "from_client"
    assert payload["event_time"].endswith("Z") and "." in payload["event_time"]
    assert payload["client"]["client_phone"] == "+79161234567"


def test_delivery_retry_then_disable(http, fake, receiver):
    hook_id = subscribe(http, receiver.url).get_json()["data"]["id"]
    receiver.codes = [500, 503, 502]
    result = event(http, "inbox", client_id=101)
    assert result["statuses"] == [500]
    assert fake.wait_idle(5)
    attempts = [(d["attempt"], d["status"]) for d in fake.deliveries]
    assert attempts == [(1, 500), (2, 503), (3, 502)]
    hook = http.get("/v1/webhooks", headers=AUTH).get_json()["data"][0]
    assert hook["id"] == hook_id and hook["status"] == "disable"
    assert len(hook["errors"]) == 3 and "500" in hook["errors"][0]["text"]
    assert event(http, "inbox", client_id=101)["statuses"] == []


def test_delivery_retry_then_success_keeps_hook(http, fake, receiver):
    subscribe(http, receiver.url)
    receiver.codes = [500]
    event(http, "inbox", client_id=101)
    assert fake.wait_idle(5)
    assert [d["status"] for d in fake.deliveries] == [500, 200]
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    assert http.get("/v1/webhooks", headers=AUTH).get_json()["data"][0]["status"] == "enable"


def test_connection_error_is_recorded(http, fake):
    subscribe(http, "http://127.0.0.1:9/nothing-listens")
    assert event(http, "close_dialog", dialog_id=501)["statuses"] == [None]
    assert fake.wait_idle(5)
    assert fake.deliveries[0]["status"] is None and fake.deliveries[0]["error"]


def test_redeliver_sends_identical_payload(http, receiver):
    subscribe(http, receiver.url)
    payload = event(http, "inbox")["payload"]
    resp = http.post(f"/_control/c/{TOKEN}/redeliver", json={"payload": payload})
    assert resp.get_json()["statuses"] == [200]
    assert receiver.bodies[0] == receiver.bodies[1] == payload


def test_inbox_stores_message_and_group_variants(http):
    payload = event(
        http,
        "inbox",
        client_id=102,
        text="from group",
        is_group=True,
        sender_phone="+79990001122",
        extra_data={"is_group": True},
    )["payload"]
    assert payload["is_group"] is True and payload["sender_phone"] == "+79990001122"
    assert payload["extra_data"] == {"is_group": True}
    stored = http.get(f"/v1/messages?dialog_id={payload['dialog_id']}&order=desc", headers=AUTH)
    assert stored.get_json()["data"][0]["id"] == payload["message_id"]
    assert stored.get_json()["data"][0]["text"] == "from group"


def test_inbox_on_closed_dialog_opens_new_request(http):
    dialog = http.get("/v1/dialogs/503", headers=AUTH).get_json()["data"]
    assert dialog["state"] == "closed"
    payload = event(http, "inbox", client_id=103)["payload"]
    assert payload["is_new_request"] is True and payload["request_id"] != dialog["last_request_id"]
    reopened = http.get("/v1/dialogs/503", headers=AUTH).get_json()["data"]
    assert reopened["state"] == "open" and reopened["last_request_id"] == payload["request_id"]


def test_tag_transfer_close_keep_state_consistent(http):
    tagged = event(http, "add_tag_to_request", client_id=101, tag_id=3)["payload"]
    assert tagged["id"] == 3 and tagged["request_id"] == 9001 and tagged["client_id"] == 101
    alt = event(http, "add_tag_to_request", client_id=101, id=1, tag_key="tag_id")["payload"]
    assert alt["tag_id"] == 1 and "id" not in alt
    state = http.get(f"/_control/c/{TOKEN}/state").get_json()
    request = next(r for r in state["requests"] if r["id"] == 9001)
    assert request["tags"] == [3, 1]
    event(http, "delete_tag_from_request", client_id=101, tag_id=3)
    event(http, "add_tag_to_client", client_id=102, tag_id=1)
    client = http.get("/v1/clients/102", headers=AUTH).get_json()["data"]
    assert [t["label"] for t in client["tags"]] == ["VIP"]

    moved = event(http, "dialog_transferred", dialog_id=501, operator_id=4)["payload"]
    assert moved == {
        **moved,
        "operator_id": 4,
        "dialog_id": 501,
        "client_id": 101,
        "request_id": 9001,
    }
    assert http.get("/v1/dialogs/501", headers=AUTH).get_json()["data"]["operator_id"] == 4

    closed = event(http, "close_dialog", dialog_id=501)["payload"]
    assert set(closed) == {
        "dialog_id",
        "client_id",
        "request_id",
        "operator_id",
        "channel_id",
        "hook_type",
        "event_time",
    }
    assert http.get("/v1/dialogs/501", headers=AUTH).get_json()["data"]["state"] == "closed"
    state = http.get(f"/_control/c/{TOKEN}/state").get_json()
    assert next(r for r in state["requests"] if r["id"] == 9001)["tags"] == [1]
    assert next(r for r in state["requests"] if r["id"] == 9001)["state"] == "closed"


def test_close_request_omit_and_unknown(http):
    payload = event(http, "close_request", client_id=102, omit=["dialog_id"])["payload"]
    assert "dialog_id" not in payload and payload["request_id"] == 9002
    resp = http.post(f"/_control/c/{TOKEN}/events/close_dialog", json={"dialog_id": 999})
    assert resp.status_code == 404
    assert http.post(f"/_control/c/{TOKEN}/events/nope", json={}).status_code == 404


def test_companies_log_and_faults(http):
    created = http.post("/_control/companies", json={"name": "Second"}).get_json()
    other = {"Authorization": created["token"]}
    assert http.get("/v1/clients/101", headers=other).status_code == 404
    second_clients = http.get("/v1/clients", headers=other).get_json()["data"]
    assert len(second_clients) == 5  # three people, a pseudo-named visitor, a group chat
    http.delete(f"/_control/c/{TOKEN}/log")
    http.post(f"/_control/c/{TOKEN}/faults", json={"path_prefix": "/clients", "kind": "500"})
    assert http.get("/v1/clients/101", headers=AUTH).status_code == 500
    assert http.get("/v1/clients/101", headers=AUTH).status_code == 200
    log = http.get(f"/_control/c/{TOKEN}/log").get_json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/v1/clients/101", 500),
        ("GET", "/v1/clients/101", 200),
    ]


def test_timeout_fault_sleeps(http):
    body = {"path_prefix": "/dialogs", "kind": "timeout", "seconds": 0.2}
    http.post(f"/_control/c/{TOKEN}/faults", json=body)
    started = time.monotonic()
    assert http.get("/v1/dialogs/501", headers=AUTH).status_code == 504
    assert time.monotonic() - started >= 0.2


def test_ui_buttons_and_transcript(http, receiver):
    subscribe(
        http,
        receiver.url,
        events=["inbox", "add_tag_to_request", "dialog_transferred", "close_dialog"],
    )
    page = http.get(f"/?token={TOKEN}").get_data(as_text=True)
    for label in ("Incoming message", "Tag request", "Transfer dialog", "Close dialog"):
        assert label in page
    forms = [
        ("inbox", {"client_id": "101", "text": "From the UI"}),
        ("add_tag_to_request", {"client_id": "101", "tag_id": "2"}),
        ("dialog_transferred", {"dialog_id": "501", "operator_id": "5"}),
        ("close_dialog", {"dialog_id": "501"}),
    ]
    for kind, form in forms:
        resp = http.post(f"/ui/{TOKEN}/event/{kind}", data=form)
        assert resp.status_code == 302 and "token=sandbox-token" in resp.location
    shown = http.get(resp.location).get_data(as_text=True)
    assert "Sent close_dialog for dialog #501: the app&#39;s webhook answered HTTP 200." in shown
    assert [b["hook_type"] for b in receiver.bodies] == [k for k, _ in forms]
    assert receiver.bodies[0]["client_id"] == 101 and receiver.bodies[0]["text"] == "From the UI"
    page = http.get(f"/?token={TOKEN}").get_data(as_text=True)
    assert receiver.url in page and "inbox" in page
    transcript = http.get("/web/chat/my?dialogID=501").get_data(as_text=True)
    assert "From the UI" in transcript and "room.jpg" in transcript
    assert http.get("/web/chat/my?dialogID=999").status_code == 404


def test_state_methods_and_seed_per_company(fake, receiver):
    company = fake.add_company("second-token", "Second")
    assert fake.add_company("second-token") is company
    assert sorted(company.operators) == [1, 2, 3, 4, 5]
    assert set(company.clients).isdisjoint(fake.company(TOKEN).clients)
    company.webhooks[99] = {
        "id": 99,
        "name": "x",
        "url": receiver.url,
        "events": ["outbox"],
        "status": "enable",
        "errors": [],
        "channels": [2],
    }
    telegram = next(c["id"] for c in company.clients.values() if c["phone"].startswith("[tg]"))
    payload, statuses = fake.fire(company, "outbox", {"client_id": telegram})
    assert statuses == [200] and payload["channel_id"] == 2
    whatsapp = min(company.clients)
    assert fake.fire(company, "outbox", {"client_id": whatsapp})[1] == []
    assert fake.deliver(company, payload, sync=True) == [200]
