"""SSRF: no request can aim the app at another host (production mode, B24APP_ALLOW_HTTP off)."""

import socket

import pytest
import responses
from sqlalchemy import select

from b24app import portals
from b24app.clients.bitrix24 import TransportError
from b24app.extensions import db
from b24app.models import Portal
from tests.security.foreign import Foreign

OAUTH = "https://oauth.test/rest/"
PORTAL = "https://x.bitrix24.test/rest/"


def _app_info(client_endpoint=PORTAL, domain="x.bitrix24.test", member_id="m-1"):
    return {
        "result": {
            "client_id": "local.sandbox.app",
            "user_id": 1,
            "install": {
                "member_id": member_id,
                "domain": domain,
                "client_endpoint": client_endpoint,
            },
        }
    }


def _entry(**form):
    return {
        "AUTH_ID": "auth-1",
        "REFRESH_ID": "refresh-1",
        "AUTH_EXPIRES": "3600",
        "SERVER_ENDPOINT": OAUTH,
        "member_id": "m-1",
        "APPLICATION_TOKEN": "app-token",
        **form,
    }


def _portal(app, endpoint=PORTAL) -> int:
    with app.app_context():
        portal = Portal(
            member_id="m-1",
            domain="x.bitrix24.test",
            client_endpoint=endpoint,
            server_endpoint=OAUTH,
            access_token="access-1",
            refresh_token="refresh-1",
            admin_user_ids=[],
        )
        db.session.add(portal)
        db.session.commit()
        return portal.id


def _no_portal(app) -> bool:
    with app.app_context():
        return db.session.execute(select(Portal)).first() is None


@responses.activate
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example/rest/",  # not the portal's domain
        "http://x.bitrix24.test/rest/",  # not https
        "https://user:pw@x.bitrix24.test/rest/",  # user info smuggling another host
        "https://127.0.0.1/rest/",
    ],
)
def test_install_refuses_a_rest_base_off_the_portals_domain(app, endpoint):
    responses.post(OAUTH + "app.info", json=_app_info(client_endpoint=endpoint))
    resp = app.test_client().post(
        "/install?DOMAIN=x.bitrix24.test&PROTOCOL=1&LANG=en", data=_entry()
    )
    assert resp.status_code == 403
    assert b"does not trust" in resp.data
    assert [c.request.url for c in responses.calls] == [OAUTH + "app.info"]
    assert _no_portal(app)


@responses.activate
def test_server_endpoint_outside_the_oauth_hosts_is_never_called(app):
    responses.post("https://evil.example/rest/app.info", json=_app_info())
    resp = app.test_client().post(
        "/install?DOMAIN=x.bitrix24.test&PROTOCOL=1&LANG=en",
        data=_entry(SERVER_ENDPOINT="https://evil.example/rest/"),
    )
    assert resp.status_code == 403
    assert len(responses.calls) == 0 and _no_portal(app)


@responses.activate
def test_302_to_a_host_app_info_does_not_confirm_is_not_followed(app):
    pid = _portal(app)
    responses.post(
        PORTAL + "profile", status=302, headers={"Location": "https://evil.example/rest/profile"}
    )
    responses.post("https://evil.example/rest/profile", json={"result": {"ID": 1}})
    responses.post(OAUTH + "app.info", json=_app_info())  # the portal has not moved
    with app.app_context():
        client = portals.client_for(db.session.get(Portal, pid))
        with pytest.raises(TransportError) as caught:
            client.call("profile")
        assert caught.value.code == "REDIRECT_REFUSED"
        assert db.session.get(Portal, pid).client_endpoint == PORTAL
    assert all("evil.example" not in c.request.url for c in responses.calls)


@responses.activate
def test_302_after_a_real_rename_is_followed_once_app_info_confirms(app):
    pid, moved = _portal(app), "https://y.bitrix24.test/rest/"
    responses.post(PORTAL + "profile", status=302, headers={"Location": moved + "profile"})
    responses.post(moved + "profile", json={"result": {"ID": 1}})
    responses.post(
        OAUTH + "app.info", json=_app_info(client_endpoint=moved, domain="y.bitrix24.test")
    )
    with app.app_context():
        assert portals.client_for(db.session.get(Portal, pid)).call("profile") == {"ID": 1}
        assert db.session.get(Portal, pid).client_endpoint == moved


@pytest.fixture
def inside():
    server = Foreign()
    yield server
    server.stop()


def test_dns_name_resolving_to_loopback_is_refused_on_the_connected_address(
    app, inside, monkeypatch
):
    """DNS rebinding: a public-looking portal name answers 127.0.0.1 when the app connects."""
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "x.bitrix24.test":
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = inside.server.server_port
    for scheme in ("https", "http"):
        endpoint = f"{scheme}://x.bitrix24.test:{port}/rest/"
        with app.app_context():
            db.session.execute(db.delete(Portal))
            db.session.commit()
        pid = _portal(app, endpoint)
        with app.app_context():
            with pytest.raises(TransportError):
                portals.client_for(db.session.get(Portal, pid)).call("profile")
    assert inside.hits == [], "a request reached the internal address"


def test_the_guard_is_what_stops_it(app, inside, monkeypatch):
    """Control: with B24APP_ALLOW_HTTP (sandbox) the same loopback server is reached."""
    app.config["B24APP_ALLOW_HTTP"] = True
    app.extensions.pop("b24app.http", None)
    pid = _portal(app, inside.url + "/rest/")
    with app.app_context():
        portals.client_for(db.session.get(Portal, pid)).call("profile")
    assert len(inside.hits) == 1


def test_health_page_does_not_repeat_what_an_internal_address_answered(sandbox, portal_name):
    """A portal row aimed at an internal service: the health page says what failed in its own
    words, never the service's answer."""
    from tests.e2e.helpers import installed_portal, open_app, page

    internal = Foreign('{"error": "REDIS_6_2_READY", "error_description": "10.0.0.5 admin panel"}')
    try:
        info = installed_portal(sandbox, portal_name)
        token = open_app(sandbox, portal_name)
        with sandbox.app.app_context():
            row = db.session.execute(
                select(Portal).filter_by(member_id=info["member_id"])
            ).scalar_one()
            row.client_endpoint = internal.url + "/rest/"
            db.session.commit()
        html = page(sandbox, "/settings/health", token).text
        assert internal.hits, "the check did not reach the service: the test proves nothing"
        for leak in ("REDIS_6_2_READY", "10.0.0.5", "admin panel", internal.url):
            assert leak not in html
        assert 'data-ok="0"' in html
    finally:
        internal.stop()
