"""A dedicated Chat2Desk host (issue #12 item 11): https only, offered as a region, checked with
/companies/api_info, and never a private address — the attack is tried on a real socket."""

import socket
import threading

import pytest
import responses

from b24app import create_app
from b24app.clients.chat2desk import Chat2DeskUnavailableError
from b24app.connection import check_token
from b24app.views.connection import region_choices

DEDICATED = "https://api.acme-dedicated.test/v1"


def _app(tmp_path, urls: str, **extra):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db",
            "SECRET_KEY": "test-secret",
            "B24_OAUTH_HOSTS": "oauth.test",
            "PUBLIC_URL": "https://app.test",
            "CHAT2DESK_DEDICATED_URLS": urls,
            "C2D_RETRIES": 0,
            **extra,
        }
    )


@pytest.mark.parametrize(
    "url", ["http://api.acme-dedicated.test/v1", "https://user@api.acme.test/v1", "ftp://x/v1"]
)
def test_a_dedicated_host_other_than_https_stops_start_up(tmp_path, url):
    with pytest.raises(SystemExit, match="CHAT2DESK_DEDICATED_URLS"):
        _app(tmp_path, url)


def test_the_dedicated_host_is_offered_after_the_regions(tmp_path):
    app = _app(tmp_path, DEDICATED + "/")
    with app.test_request_context("/"):
        choices = region_choices()
    assert choices[0][0] == app.config["CHAT2DESK_API_URL"]
    assert choices[-1] == (DEDICATED, "Dedicated: api.acme-dedicated.test")


@responses.activate
def test_the_token_is_checked_on_the_dedicated_host(tmp_path):
    responses.get(DEDICATED + "/companies/api_info", json={"status": "success", "data": {"id": 7}})
    app = _app(tmp_path, DEDICATED)
    with app.app_context():
        info = check_token("secret-token", DEDICATED)
    assert info
    assert responses.calls[0].request.headers["Authorization"] == "secret-token"


def _first_bytes_at_loopback(tmp_path, allow_http: bool) -> bytes:
    """Point a 'dedicated host' at 127.0.0.1 and return what reached that socket."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    received = []

    def serve():
        try:
            conn, _addr = listener.accept()
        except OSError:
            return
        conn.settimeout(2)
        try:
            received.append(conn.recv(1024))
        except OSError:
            received.append(b"")
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/v1"
    app = _app(tmp_path, url, B24APP_ALLOW_HTTP=allow_http)
    try:
        with app.app_context(), pytest.raises(Chat2DeskUnavailableError):
            check_token("secret-token", url)
    finally:
        thread.join(6)
        listener.close()
    return b"".join(received)


def test_a_dedicated_host_on_a_loopback_address_gets_no_byte(tmp_path):
    """Production: the guard refuses on the connected socket, so not even a TLS hello leaves."""
    assert _first_bytes_at_loopback(tmp_path, allow_http=False) == b""


def test_control_without_the_guard_the_loopback_host_is_reached(tmp_path):
    """The same attempt with the guard off (sandbox mode) does send a TLS hello: the test bites."""
    assert _first_bytes_at_loopback(tmp_path, allow_http=True)[:1] == b"\x16"  # TLS handshake
