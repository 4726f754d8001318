"""The log scan at real DEBUG level (every library, tracebacks included) after flows that
refresh tokens and deliver webhooks: no token, secret or signed link in any line."""

import logging

import requests

from tests.e2e.helpers import TIMEOUT, control, portal_row, state
from tests.e2e.ol_helpers import c2d_state, inbox, setup_portal


def test_no_secret_in_debug_logs_or_tracebacks(sandbox, portal_name, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: urllib3 logs every URL it calls
    env = setup_portal(sandbox, portal_name)
    first = portal_row(sandbox, env.member_id)
    inbox(sandbox, env, text="hello")  # a webhook delivered, a notification sent
    control(sandbox, f"p/{portal_name}/expire")
    refreshes = state(sandbox, portal_name)["refresh_count"]
    inbox(sandbox, env, text="after expiry")  # the flow refreshes the token
    assert state(sandbox, portal_name)["refresh_count"] == refreshes + 1
    portal = portal_row(sandbox, env.member_id)
    hook = c2d_state(sandbox, env.c2d)["webhooks"][0]["url"]
    secret = sandbox.app.config["B24_CLIENT_SECRET"]
    # a failure whose traceback carries secrets, the way requests puts the URL in its errors
    try:
        requests.get(
            "http://127.0.0.1:9/oauth/token/",
            params={"client_secret": secret, "refresh_token": portal.refresh_token},
            timeout=TIMEOUT,
        )
    except requests.ConnectionError:
        logging.getLogger("b24app.portals").exception("refresh failed")
    caplog.handler.flush()
    lines = (caplog.text + "\n".join(r.getMessage() for r in caplog.records)).splitlines()
    # the test's own calls to the fakes' control API name tokens in their paths; not the app
    text = "\n".join(line for line in lines if "/_control/" not in line)
    assert "Traceback" in text and "refresh failed" in text
    assert any(r.name.startswith("urllib3") for r in caplog.records), "no library logged"
    assert "/oauth/token/" in text, "the refresh was not logged: the scan proves nothing"
    tokens = {
        "access token (install)": first.access_token,
        "access token (refreshed)": portal.access_token,
        "refresh token": portal.refresh_token,
        "application token": portal.application_token,
        "Chat2Desk token": env.c2d,
        "webhook secret": portal.connection.secret,
        "webhook URL": hook,
        "frame token": env.t,
        "client secret": secret,
    }
    for what, value in tokens.items():
        assert value and value not in text, f"the {what} reached the log"
