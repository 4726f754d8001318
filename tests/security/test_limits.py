"""Oversized bodies, entry floods and the app.info cache."""

import json

import requests
import responses
from sqlalchemy import func, select

from b24app.extensions import db
from b24app.models import Journal
from tests.e2e.helpers import TIMEOUT, csrf_of, page, portal_row
from tests.e2e.ol_helpers import c2d_state, setup_portal

OAUTH = "https://oauth.test/rest/"


def _rows(box, member_id) -> int:
    with box.app.app_context():
        pid = portal_row(box, member_id).id
        return db.session.execute(
            select(func.count()).select_from(Journal).where(Journal.portal_id == pid)
        ).scalar()


def test_oversized_webhook_bodies_get_413_json_and_nothing_is_journaled(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    url = c2d_state(sandbox, env.c2d)["webhooks"][0]["url"]
    before = _rows(sandbox, env.member_id)
    big = json.dumps({"hook_type": "inbox", "text": "x" * (1024 * 1024 + 10)}).encode()
    for body in (big, iter([big[i : i + 65536] for i in range(0, len(big), 65536)])):
        resp = requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
        assert resp.status_code == 413
        assert "larger than 1024 kB" in resp.json()["error"]
    assert _rows(sandbox, env.member_id) == before
    small = requests.post(url, json={"hook_type": "inbox", "text": "hi"}, timeout=TIMEOUT)
    assert small.status_code == 200  # the same address still works for a normal body


def test_oversized_forms_and_entries_are_refused(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name, openlines=False)
    html = page(sandbox, "/settings/common", env.t).text
    for size in (300 * 1024, 2 * 1024 * 1024):  # one huge field; a huge body
        resp = requests.post(
            sandbox.app_url + "/settings/common",
            data={"t": env.t, "csrf_token": csrf_of(html), "openline_id": "x" * size},
            timeout=TIMEOUT,
        )
        assert resp.status_code == 413 and "larger than 256 kB" in resp.text
    resp = requests.post(
        sandbox.app_url + "/install",
        data={
            "AUTH_ID": "a" * 5000,
            "member_id": env.member_id,
            "SERVER_ENDPOINT": sandbox.b24_url + "/rest/",
        },
        timeout=TIMEOUT,
    )
    assert resp.status_code == 400 and "AUTH_ID" in resp.text


def _app_info():
    return {
        "result": {
            "client_id": "local.sandbox.app",
            "user_id": 1,
            "install": {"member_id": "m-1", "domain": "x.bitrix24.test"},
        }
    }


def _entry(auth_id="auth-1"):
    return {"AUTH_ID": auth_id, "member_id": "m-1", "SERVER_ENDPOINT": OAUTH, "REFRESH_ID": "r"}


@responses.activate
def test_an_entry_flood_does_not_flood_the_oauth_server_and_gets_429(app):
    app.config.update(ENTRY_BURST=5, ENTRY_RATE=0.01)
    info = responses.post(OAUTH + "app.info", json=_app_info())
    responses.post("https://x.bitrix24.test/rest/user.admin", json={"result": False})
    client = app.test_client()
    answers = [
        client.post(
            "/install?DOMAIN=x.bitrix24.test",
            data=_entry(),
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        for _ in range(8)
    ]
    assert [a.status_code for a in answers] == [403] * 5 + [429] * 3
    assert b"Too many requests" in answers[-1].data
    assert info.call_count == 1, "the same AUTH_ID was verified again within the cache time"
    other = client.post(
        "/install?DOMAIN=x.bitrix24.test",
        data=_entry("auth-2"),
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert other.status_code == 403  # another address is not limited; a new token is asked
    assert info.call_count == 2
