"""Unit tests of the Chat2Desk client against canned HTTP answers."""

import json

import pytest
import requests
import responses
from responses import matchers

from b24app.clients.chat2desk import (
    REGIONS,
    Chat2DeskAlreadyUsedError,
    Chat2DeskAuthError,
    Chat2DeskClient,
    Chat2DeskError,
    Chat2DeskNotFoundError,
    Chat2DeskQuotaError,
    Chat2DeskUnavailableError,
    dialog_url,
    operator_role,
    real_phone,
    web_host,
)

BASE = "https://api.chat2desk.com/v1"
TOKEN = "secret-token-1234567890"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return Chat2DeskClient(TOKEN, BASE, sleep=sleeps.append)


def ok(data, **meta):
    body = {"status": "success", "data": data}
    if meta:
        body["meta"] = meta
    return body


@responses.activate
def test_success_envelope_returns_data_and_sends_raw_token(client):
    responses.get(f"{BASE}/clients/5", json=ok({"id": 5, "name": "Ann"}))
    assert client.client(5) == {"id": 5, "name": "Ann"}
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == TOKEN
    assert sent.req_kwargs["timeout"] == (3.05, 15)


@responses.activate
def test_status_ok_is_accepted(client):
    responses.get(f"{BASE}/companies/api_info", json={"status": "ok", "data": {"mode": "full"}})
    assert client.api_info() == {"mode": "full"}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, {"status": "error", "message": "Token is not correct"}, Chat2DeskAuthError),
        (200, {"status": "error", "message": "You need to auth"}, Chat2DeskAuthError),
        (
            400,
            {"status": "error", "message": "You have to specify your token."},
            Chat2DeskAuthError,
        ),
        (401, {"status": "error", "message": "whatever"}, Chat2DeskAuthError),
        (
            200,
            {"status": "error", "message": "Number of API requests exceeded"},
            Chat2DeskQuotaError,
        ),
        (
            400,
            {"status": "error", "message": "API calls exceeded API limit per month"},
            Chat2DeskQuotaError,
        ),
        (200, {"status": "error", "message": "not_found"}, Chat2DeskNotFoundError),
        (400, {"status": "error", "message": "Client not found"}, Chat2DeskNotFoundError),
        (200, {"status": "error", "message": "Page not found"}, Chat2DeskNotFoundError),
        (404, {"status": "error", "message": "x"}, Chat2DeskNotFoundError),
        (400, {"status": "error", "message": "Bad", "errors": {"text": ["blank"]}}, Chat2DeskError),
    ],
)
@responses.activate
def test_error_envelopes_become_typed_errors(client, status, body, error):
    responses.get(f"{BASE}/clients/5", json=body, status=status)
    with pytest.raises(error) as info:
        client.client(5)
    assert info.value.status_code == status
    assert info.value.path == "/clients/5"
    assert info.value.message
    assert not isinstance(info.value, Chat2DeskUnavailableError)


@responses.activate
def test_webhook_url_already_used(client):
    errors = {"url": ["has already been used"]}
    body = {"status": "error", "message": "Url already used", "errors": errors}
    responses.post(f"{BASE}/webhooks", json=body, status=400)
    with pytest.raises(Chat2DeskAlreadyUsedError) as info:
        client.create_webhook(name="b24", url="https://x.test/h", events=["inbox"])
    assert info.value.errors == errors
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {
        "name": "b24",
        "url": "https://x.test/h",
        "events": ["inbox"],
        "status": "enable",
    }


@responses.activate
def test_webhook_already_used_only_in_errors(client):
    body = {"status": "error", "errors": {"url": ["already used"]}}
    responses.post(f"{BASE}/webhooks", json=body, status=200)
    with pytest.raises(Chat2DeskAlreadyUsedError):
        client.create_webhook(name="b24", url="https://x.test/h", events=["inbox"], channels=[1])


@responses.activate
def test_request_messages_bare_array(client):
    rows = [{"id": 1, "clientID": 7, "type": "in", "created": 1700000000}]
    responses.get(f"{BASE}/requests/9/messages", json=rows)
    assert client.request_messages(9) == rows


@responses.activate
def test_request_messages_unknown_id(client):
    responses.get(f"{BASE}/requests/9/messages", json={"status": "error", "message": "not_found"})
    with pytest.raises(Chat2DeskNotFoundError):
        client.request_messages(9)


@responses.activate
def test_non_json_body_is_readable_error(client):
    responses.get(f"{BASE}/clients/1", body="<html>Oops</html>", status=400)
    with pytest.raises(Chat2DeskError, match="non-JSON response .*Oops"):
        client.client(1)


@responses.activate
def test_pagination_over_three_pages(client):
    names = [{"id": i} for i in range(450)]
    for offset in (0, 200, 400):
        query = {"limit": "200", "offset": str(offset)}
        page = names[offset : offset + 200]
        responses.get(
            f"{BASE}/operators",
            json=ok(page, total=450, limit=200, offset=offset),
            match=[matchers.query_param_matcher(query)],
        )
    assert client.operators() == names
    assert len(responses.calls) == 3


@responses.activate
def test_pagination_stops_on_total_even_with_full_page(client):
    page = [{"id": i} for i in range(200)]
    responses.get(f"{BASE}/tags", json=ok(page, total=200, limit=200, offset=0))
    assert len(client.tags()) == 200
    assert len(responses.calls) == 1


@responses.activate
def test_pagination_stops_on_short_page_without_meta(client):
    responses.get(f"{BASE}/channels", json=ok([{"id": 1}, {"id": 2}]))
    assert client.channels() == [{"id": 1}, {"id": 2}]


@responses.activate
def test_messages_pass_dialog_filter(client):
    query = {"dialog_id": "77", "order": "asc", "limit": "200", "offset": "0"}
    responses.get(
        f"{BASE}/messages",
        json=ok([{"id": 1}], total=1),
        match=[matchers.query_param_matcher(query)],
    )
    assert client.messages(77) == [{"id": 1}]


@responses.activate
def test_get_retried_on_502_then_success(client, sleeps):
    responses.get(f"{BASE}/dialogs/3", body="Bad gateway", status=502)
    responses.get(f"{BASE}/dialogs/3", json=ok({"id": 3}))
    assert client.dialog(3) == {"id": 3}
    assert len(responses.calls) == 2
    assert len(sleeps) == 1


@responses.activate
def test_get_retries_are_capped(client, sleeps):
    responses.get(f"{BASE}/dialogs/3", json={"status": "error"}, status=503)
    with pytest.raises(Chat2DeskUnavailableError):
        client.dialog(3)
    assert len(responses.calls) == 3
    assert len(sleeps) == 2


@responses.activate
def test_post_never_retried(client, sleeps):
    responses.post(f"{BASE}/messages", body="Bad gateway", status=502)
    with pytest.raises(Chat2DeskUnavailableError):
        client.send_message(5, "hi")
    assert len(responses.calls) == 1
    assert sleeps == []


@responses.activate
def test_put_and_delete_never_retried(client):
    responses.put(f"{BASE}/webhooks/1", body=requests.ConnectionError("down"))
    responses.delete(f"{BASE}/webhooks/1", status=500, json={})
    with pytest.raises(Chat2DeskUnavailableError):
        client.update_webhook(1, status="enable")
    with pytest.raises(Chat2DeskUnavailableError):
        client.delete_webhook(1)
    assert len(responses.calls) == 2


@responses.activate
def test_timeout_is_unavailable(client):
    responses.get(f"{BASE}/clients/1", body=requests.ReadTimeout("slow"))
    with pytest.raises(Chat2DeskUnavailableError, match="timed out"):
        client.client(1)
    assert len(responses.calls) == 3


@responses.activate
def test_send_message_body_and_result(client):
    data = {"message_id": 10, "dialog_id": 3, "request_id": 4, "client_id": 5}
    responses.post(f"{BASE}/messages", json=ok(data))
    assert client.send_message(5, "hi", channel_id=1, open_dialog=False) == data
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {
        "client_id": 5,
        "text": "hi",
        "channel_id": 1,
        "type": "to_client",
        "open_dialog": False,
    }


@responses.activate
def test_web_analytics_and_webhooks(client):
    rows = [{"client_id": "GA1.2", "utm_source": "google"}]
    responses.get(f"{BASE}/web_analytics_data", json=ok(rows, total=1))
    responses.get(f"{BASE}/webhooks", json=ok([{"id": 1}]))
    assert client.web_analytics(5) == rows
    assert responses.calls[0].request.params["client_id"] == "5"
    assert client.webhooks() == [{"id": 1}]


@responses.activate
def test_token_never_in_error_text(client):
    body = {"status": "error", "message": f"Token {TOKEN} is not correct"}
    responses.get(f"{BASE}/clients/1", json=body, status=401)
    responses.get(f"{BASE}/clients/2", body=requests.ConnectionError(f"fail {TOKEN}"))
    responses.get(f"{BASE}/clients/3", body=f"<p>{TOKEN}</p>", status=400)
    for client_id in (1, 2, 3):
        with pytest.raises(Chat2DeskError) as info:
            client.client(client_id)
        assert TOKEN not in str(info.value)
        assert TOKEN not in repr(info.value)
    assert TOKEN not in repr(client)


def test_regions_and_dialog_links():
    assert REGIONS[0] == ("https://api.chat2desk.com/v1", "chat2desk.com (global)")
    assert [base for base, _ in REGIONS][1:] == [
        "https://api.chat2desk.kz/v1",
        "https://api.chat2desk.com.mx/v1",
        "https://api.chat24.io/v1",
        "https://api.chat2desk.kg/v1",
        "https://api.chat2desk.by/v1",
    ]
    assert web_host("https://api.chat2desk.kg/v1") == "https://web.chat2desk.kg"
    assert web_host("https://api.chat2desk.by/v1") == "https://web.chat2desk.by"
    assert web_host("https://api.chat2desk.com/v1") == "https://web.chat2desk.com"
    assert web_host("https://api.chat2desk.com.mx/v1") == "https://web.chat2desk.com.mx"
    assert dialog_url("https://api.chat2desk.kz/v1", 42) == (
        "https://web.chat2desk.kz/chat/my?dialogID=42"
    )
    assert dialog_url("http://127.0.0.1:5001/v1", 7) == (
        "http://127.0.0.1:5001/web/chat/my?dialogID=7"
    )
    assert dialog_url("http://127.0.0.1:5001/c2d/v1/", 7) == (
        "http://127.0.0.1:5001/c2d/web/chat/my?dialogID=7"
    )


@pytest.mark.parametrize(
    ("client_card", "phone"),
    [
        ({"phone": "+79161234567", "client_phone": "+79161234567"}, "+79161234567"),
        ({"phone": "[tg] 807892", "client_phone": None}, None),
        ({"phone": "[chat] 1d0b5e9a7c3f4b21", "client_phone": "+7 701 123-45-67"}, "+77011234567"),
        ({"phone": "79161234567"}, "+79161234567"),
        ({"phone": "807892"}, None),
        ({"phone": "1d0b5e9a7c3f4b21"}, None),
        ({"phone": "", "client_phone": ""}, None),
        ({"phone": "8 (916) 123-45-67", "client_phone": None}, "+89161234567"),
        ({"client_phone": 79161234567}, "+79161234567"),
        ({}, None),
    ],
)
def test_real_phone(client_card, phone):
    assert real_phone(client_card) == phone


@pytest.mark.parametrize(
    ("op", "role"),
    [
        ({"role": "admin"}, "admin"),
        ({"role": "supervisor"}, "supervisor"),
        ({"role": "operator"}, "operator"),
        ({"role": "unconfirmed"}, "operator"),
        ({}, "operator"),
        ({"status": "admin", "role": "operator"}, "admin"),
        ({"status": "disabled", "role": "supervisor"}, "disabled"),
        ({"status": "deleted"}, "deleted"),
        ({"status": "enabled", "access_right_name": "Супервайзер"}, "supervisor"),
        ({"status": "enabled", "access_right_name": "Supervisor(a)"}, "supervisor"),
        ({"status": "enabled", "access_right_name": "Supervisora"}, "supervisor"),
        ({"status": "enabled", "access_right_name": "Administrador"}, "admin"),
        ({"status": "enabled", "access_right_name": "Администратор"}, "admin"),
        ({"status": "enabled", "access_right_name": "Senior", "role": "supervisor"}, "supervisor"),
        ({"status": "enabled", "access_right_name": "Оператор", "role": None}, "operator"),
    ],
)
def test_operator_role(op, role):
    assert operator_role(op) == role
