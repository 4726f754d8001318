"""Bitrix24 client: envelopes, typed errors, batch, pagination, refresh and backoff."""

import json

import pytest
import responses

from b24app.clients import bitrix24 as b24
from b24app.clients.http import parse_php_form, php_query

BASE = "https://portal.test/rest/"


def make(**kw):
    sleeps = []
    client = b24.Bitrix24Client(BASE, "tok-1", sleep=sleeps.append, **kw)
    return client, sleeps


@responses.activate
def test_call_puts_auth_in_body_and_returns_result():
    responses.post(BASE + "user.admin", json={"result": True, "time": {}})
    client, _ = make()
    assert client.call("user.admin") is True
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"auth": "tok-1"}
    assert "tok-1" not in responses.calls[0].request.url


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "expired_token", b24.ExpiredTokenError),
        (401, "invalid_token", b24.AuthError),
        (403, "insufficient_scope", b24.AccessDeniedError),
        (503, "QUERY_LIMIT_EXCEEDED", b24.RateLimitError),
        (429, "OPERATION_TIME_LIMIT", b24.OperationTimeLimitError),
        (404, "ERROR_METHOD_NOT_FOUND", b24.NotFoundError),
        (400, "", b24.ArgumentError),
        (500, "INTERNAL_SERVER_ERROR", b24.ServerError),
    ],
)
@responses.activate
def test_errors_are_typed(status, code, cls):
    responses.post(
        BASE + "crm.deal.add", status=status, json={"error": code, "error_description": "text"}
    )
    client, _ = make(max_attempts=1)
    with pytest.raises(cls) as info:
        client.call("crm.deal.add", {"fields": {}})
    assert info.value.status == status and info.value.method == "crm.deal.add"


@responses.activate
def test_batch_maps_result_error_and_accepts_php_empty_arrays():
    responses.post(
        BASE + "batch",
        json={
            "result": {
                "result": {"a": 5},
                "result_error": {"b": {"error": "", "error_description": "Access denied."}},
                "result_total": [],
                "result_next": [],
                "result_time": [],
            }
        },
    )
    client, _ = make()
    res = client.batch(
        {
            "a": ("crm.contact.add", {"fields": {"NAME": "A"}}),
            "b": ("crm.deal.add", {"fields": {"CONTACT_ID": "$result[a]"}}),
        }
    )
    assert res.result == {"a": 5}
    assert isinstance(res.errors["b"], b24.ArgumentError)
    assert res.errors["b"].method == "crm.deal.add"
    cmd = json.loads(responses.calls[0].request.body)["cmd"]
    assert cmd["b"] == "crm.deal.add?fields[CONTACT_ID]=%24result%5Ba%5D"
    with pytest.raises(b24.ArgumentError):
        res.raise_first()


@responses.activate
def test_batch_chunks_by_fifty():
    responses.post(BASE + "batch", json={"result": {"result": {}, "result_error": []}})
    client, _ = make()
    client.batch({f"k{i}": ("user.get", {"ID": i}) for i in range(120)})
    sizes = [len(json.loads(c.request.body)["cmd"]) for c in responses.calls]
    assert sizes == [50, 50, 20]


@responses.activate
def test_list_all_follows_next():
    responses.post(BASE + "user.get", json={"result": [{"ID": "1"}] * 50, "next": 50, "total": 120})
    responses.post(
        BASE + "user.get", json={"result": [{"ID": "2"}] * 50, "next": 100, "total": 120}
    )
    responses.post(BASE + "user.get", json={"result": [{"ID": "3"}] * 20, "total": 120})
    client, _ = make()
    rows = client.list_all("user.get", {"FILTER": {"ACTIVE": True}})
    assert len(rows) == 120
    starts = [json.loads(c.request.body).get("start") for c in responses.calls]
    assert starts == [None, 50, 100]


@responses.activate
def test_list_all_reads_categories_shape():
    responses.post(
        BASE + "crm.category.list",
        json={"result": {"categories": [{"id": 0}, {"id": 1}]}, "total": 2},
    )
    client, _ = make()
    assert [c["id"] for c in client.list_all("crm.category.list", {"entityTypeId": 2})] == [0, 1]


@responses.activate
def test_expired_token_refreshes_once_and_retries():
    responses.post(BASE + "profile", status=401, json={"error": "expired_token"})
    responses.post(BASE + "profile", json={"result": {"ID": "1"}})
    seen = []
    client, _ = make(refresh=lambda failed: seen.append(failed) or "tok-2")
    assert client.call("profile") == {"ID": "1"}
    assert seen == ["tok-1"]
    assert json.loads(responses.calls[1].request.body)["auth"] == "tok-2"


@responses.activate
def test_expired_twice_gives_up_after_one_refresh():
    responses.post(BASE + "profile", status=401, json={"error": "expired_token"})
    seen = []
    client, _ = make(refresh=lambda failed: seen.append(failed) or "tok-2")
    with pytest.raises(b24.ExpiredTokenError):
        client.call("profile")
    assert len(seen) == 1


@responses.activate
def test_query_limit_backs_off_capped_then_succeeds():
    for _ in range(3):
        responses.post(BASE + "crm.deal.list", status=503, json={"error": "QUERY_LIMIT_EXCEEDED"})
    responses.post(BASE + "crm.deal.list", json={"result": []})
    client, sleeps = make(max_backoff=1.5)
    assert client.call("crm.deal.list") == []
    assert sleeps == [0.5, 1.0, 1.5]


@responses.activate
def test_operation_time_limit_waits_until_reset_or_gives_up():
    responses.post(
        BASE + "crm.deal.add",
        status=429,
        json={"error": "OPERATION_TIME_LIMIT", "time": {"operating_reset_at": 1e12}},
    )
    client, sleeps = make()
    with pytest.raises(b24.OperationTimeLimitError) as info:
        client.call("crm.deal.add")
    # reset far away: a short capped backoff, then the error keeps the reset for the journal
    assert sleeps == [0.5, 1.0, 2.0] and info.value.reset_at == 1e12


@responses.activate
def test_redirect_after_rename_reposts_and_reports_new_endpoint():
    responses.post(
        BASE + "crm.deal.add",
        status=302,
        headers={"Location": "https://renamed.test/rest/crm.deal.add"},
    )
    responses.post("https://renamed.test/rest/crm.deal.add", json={"result": 7})
    moved = []
    client, _ = make(on_endpoint_change=lambda base: moved.append(base) or True)
    assert client.call("crm.deal.add", {"fields": {"TITLE": "x"}}) == 7
    assert moved == ["https://renamed.test/rest/"]
    assert responses.calls[1].request.method == "POST"
    assert json.loads(responses.calls[1].request.body)["fields"] == {"TITLE": "x"}


@responses.activate
def test_redirect_the_callback_does_not_confirm_is_not_followed():
    responses.post(
        BASE + "crm.deal.add",
        status=302,
        headers={"Location": "https://evil.test/rest/crm.deal.add"},
    )
    for callback in (None, lambda base: False):
        client, _ = make(on_endpoint_change=callback)
        with pytest.raises(b24.TransportError) as caught:
            client.call("crm.deal.add", {"fields": {"TITLE": "x"}})
        assert caught.value.code == "REDIRECT_REFUSED"
        assert client.endpoint == BASE
    assert all("evil.test" not in c.request.url for c in responses.calls)


@responses.activate
def test_throttle_called_before_every_request():
    responses.post(BASE + "profile", json={"result": {}})
    ticks = []
    client, _ = make(throttle=lambda: ticks.append(1))
    client.call("profile")
    client.call("profile")
    assert len(ticks) == 2


@responses.activate
def test_timeout_is_always_passed_and_transport_errors_typed():
    import requests

    responses.post(BASE + "profile", body=requests.ConnectTimeout())
    client, _ = make()
    with pytest.raises(b24.TransportError) as info:
        client.call("profile")
    assert info.value.transient
    assert "tok-1" not in str(info.value)


def test_php_query_and_parse_roundtrip():
    query = php_query(
        {"fields": {"TITLE": "A&B", "PHONE": [{"VALUE": "+7 916"}]}, "flag": True, "off": False}
    )
    assert query == ("fields[TITLE]=A%26B&fields[PHONE][0][VALUE]=%2B7%20916&flag=1&off=0")
    tree = parse_php_form(
        [("auth[member_id]", "m1"), ("data[MESSAGES][0][im][chat_id]", "5"), ("event", "X")]
    )
    assert tree == {
        "auth": {"member_id": "m1"},
        "data": {"MESSAGES": {"0": {"im": {"chat_id": "5"}}}},
        "event": "X",
    }
