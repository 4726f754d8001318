"""Token upkeep across workers: one refresh under the portal lock, throttle shared in the DB."""

import threading
from urllib.parse import parse_qs, urlsplit

import responses
from sqlalchemy import text

from b24app import portals
from b24app.extensions import db
from b24app.models import Portal

OAUTH = "https://oauth.test/"


def _portal(app) -> int:
    with app.app_context():
        portal = Portal(
            member_id="m-1",
            domain="x.bitrix24.test",
            client_endpoint="https://x.bitrix24.test/rest/",
            server_endpoint=OAUTH + "rest/",
            access_token="old-access",
            refresh_token="refresh-1",
            admin_user_ids=[],
        )
        db.session.add(portal)
        db.session.commit()
        return portal.id


@responses.activate
def test_two_workers_hitting_expiry_refresh_once(app):
    pid = _portal(app)
    responses.get(
        OAUTH + "oauth/token/",
        json={
            "access_token": "new-access",
            "refresh_token": "refresh-2",
            "expires_in": 3600,
            "client_endpoint": "https://x.bitrix24.test/rest/",
        },
    )
    results, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(portals.refresh_tokens(pid, "old-access"))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["new-access", "new-access"]
    assert len(responses.calls) == 1
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["refresh_token"] == ["refresh-1"] and query["grant_type"] == ["refresh_token"]
    with app.app_context():
        portal = db.session.get(Portal, pid)
        assert (portal.access_token, portal.refresh_token) == ("new-access", "refresh-2")


def test_tokens_are_encrypted_at_rest(app):
    pid = _portal(app)
    with app.app_context():
        raw = db.session.execute(
            text("SELECT access_token, refresh_token FROM portal WHERE id = :id"), {"id": pid}
        ).one()
    assert "old-access" not in raw[0] and "refresh-1" not in raw[1]


def test_throttle_keeps_under_rate_with_burst(app, monkeypatch):
    pid = _portal(app)
    app.config.update(B24_RATE=2.0, B24_BURST=5)
    waits = []
    monkeypatch.setattr(portals.time, "sleep", waits.append)
    clock = [1000.0]
    monkeypatch.setattr(portals.time, "time", lambda: clock[0])
    with app.app_context():
        for _ in range(8):
            portals.throttle(pid)
    # burst of 4 (one below the portal's 5) goes at once, then one request per 0.5 s
    assert len(waits) == 4
    assert waits == [0.5, 1.0, 1.5, 2.0]
