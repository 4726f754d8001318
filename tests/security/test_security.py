"""Security suite: forged entries and events, frame tokens, CSRF, secrets in logs and at rest."""

import logging
import re
from pathlib import Path

import requests
from sqlalchemy import select

from b24app.extensions import db
from b24app.models import Portal, Setting
from tests.e2e.helpers import (
    TIMEOUT,
    connect,
    create_portal,
    csrf_of,
    entry,
    installed_portal,
    new_c2d_company,
    open_app,
    page,
    portal_row,
    post_entry,
)


def _portal(box, member_id):
    return portal_row(box, member_id)


def test_tampered_and_foreign_frame_tokens(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    for bad in (token + "x", token[::-1], "", "a" * 3000):
        assert page(sandbox, "/settings/connection", bad).status_code == 401
    with sandbox.app.test_request_context():
        from b24app import frame

        forged = frame.URLSafeTimedSerializer("not-our-secret", salt="b24app.frame").dumps(
            {"m": "x", "u": 1, "a": True, "l": "en"}
        )
        assert frame.read(forged) is None


def test_expired_frame_token_is_refused(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    sandbox.app.config["FRAME_TOKEN_MAX_AGE"] = -1
    try:
        assert page(sandbox, "/settings/connection", token).status_code == 401
    finally:
        sandbox.app.config["FRAME_TOKEN_MAX_AGE"] = 4 * 3600


def test_cross_portal_tokens_only_see_their_portal(sandbox, portal_name):
    a, b = portal_name + "a", portal_name + "b"
    info_a, info_b = installed_portal(sandbox, a), installed_portal(sandbox, b)
    token_a, token_b = open_app(sandbox, a), open_app(sandbox, b)
    company = new_c2d_company(sandbox)
    assert connect(sandbox, token_a, c2d_token=company).status_code == 302
    assert _portal(sandbox, info_a["member_id"]).connection is not None
    assert _portal(sandbox, info_b["member_id"]).connection is None
    assert "Connected" not in page(sandbox, "/settings/connection", token_b).text
    # B's CSRF value under A's frame token is refused and saves nothing
    csrf_b = csrf_of(page(sandbox, "/settings/connection", token_b).text)
    resp = requests.post(
        sandbox.app_url + "/settings/connection/disconnect",
        timeout=TIMEOUT,
        data={"t": token_a, "csrf_token": csrf_b},
        allow_redirects=False,
    )
    assert resp.status_code == 400
    assert _portal(sandbox, info_a["member_id"]).connection is not None


def test_post_without_csrf_or_without_token_is_refused(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    company = new_c2d_company(sandbox)
    for data in (
        {"t": token, "api_token": company, "api_url": sandbox.c2d_api},
        {"api_token": company, "api_url": sandbox.c2d_api},
    ):
        resp = requests.post(
            sandbox.app_url + "/settings/connection",
            data=data,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        assert resp.status_code in (400, 401, 403)
    assert _portal(sandbox, info["member_id"]).connection is None


def test_non_admin_cannot_save(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    employee = open_app(sandbox, portal_name, user_id=2)
    csrf = csrf_of(page(sandbox, "/settings/connection", employee).text)
    resp = requests.post(
        sandbox.app_url + "/settings/connection",
        timeout=TIMEOUT,
        data={
            "t": employee,
            "csrf_token": csrf,
            "api_token": "sandbox-token",
            "api_url": sandbox.c2d_api,
        },
        allow_redirects=False,
    )
    assert resp.status_code == 403
    assert _portal(sandbox, info["member_id"]).connection is None


def test_forged_install_event_for_unknown_portal_is_refused(sandbox, portal_name):
    info = create_portal(sandbox, portal_name)
    resp = requests.post(
        sandbox.app_url + "/bitrix/events",
        timeout=TIMEOUT,
        data={
            "event": "ONAPPINSTALL",
            "auth[member_id]": info["member_id"],
            "auth[access_token]": "forged",
            "auth[application_token]": "forged",
            "auth[server_endpoint]": sandbox.b24_url + "/rest/",
            "auth[client_endpoint]": "https://evil.example/rest/",
        },
    )
    assert resp.status_code == 401
    with sandbox.app.app_context():
        assert (
            db.session.execute(select(Portal).filter_by(member_id=info["member_id"])).first()
            is None
        )


def test_forged_uninstall_changes_nothing(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    with sandbox.app.app_context():
        pid = _portal(sandbox, info["member_id"]).id
        db.session.add(Setting(portal_id=pid, tab="common", data={"notify_incoming": False}))
        db.session.commit()
    resp = requests.post(
        sandbox.app_url + "/bitrix/events",
        timeout=TIMEOUT,
        data={
            "event": "ONAPPUNINSTALL",
            "data[CLEAN]": "1",
            "auth[member_id]": info["member_id"],
            "auth[application_token]": info["application_token"] + "0",
        },
    )
    assert resp.status_code == 401
    assert _portal(sandbox, info["member_id"]).active
    with sandbox.app.app_context():
        assert db.session.execute(select(Setting).filter_by(portal_id=pid)).first()


def test_security_headers(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    resp = page(sandbox, "/settings/connection", token)
    csp = resp.headers["Content-Security-Policy"]
    assert csp.startswith("frame-ancestors 'self' ") and sandbox.b24_url in csp
    assert "X-Frame-Options" not in resp.headers
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in resp.headers["Cache-Control"]
    assert "Set-Cookie" not in resp.headers
    install = post_entry(sandbox, "/install", entry(sandbox, portal_name))
    assert "Set-Cookie" not in install.headers
    assert info["member_id"]


def test_no_secret_in_logs_at_debug(sandbox, portal_name, caplog):
    caplog.set_level(logging.DEBUG)
    info = installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    company = new_c2d_company(sandbox)
    connect(sandbox, token, c2d_token=company)
    portal = _portal(sandbox, info["member_id"])
    secrets = [
        portal.access_token,
        portal.refresh_token or portal.pending_refresh_token,
        portal.application_token,
        company,
        portal.connection.secret,
        token,
        sandbox.app.config["B24_CLIENT_SECRET"],
    ]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "nothing was logged: the scan would prove nothing"
    for secret in secrets:
        assert secret and secret not in text, "a secret reached the log"


def test_no_plaintext_token_in_sqlite_file(sandbox, portal_name):
    if sandbox.backend != "sqlite":
        return
    info = installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    company = new_c2d_company(sandbox)
    connect(sandbox, token, c2d_token=company)
    portal = _portal(sandbox, info["member_id"])
    path = Path(re.sub("^sqlite:///", "", sandbox.app.config["SQLALCHEMY_DATABASE_URI"]))
    with sandbox.app.app_context():
        db.session.execute(db.text("PRAGMA wal_checkpoint(FULL)"))
    blob = path.read_bytes() + (
        path.with_name(path.name + "-wal").read_bytes()
        if path.with_name(path.name + "-wal").exists()
        else b""
    )
    refresh = portal.refresh_token or portal.pending_refresh_token
    for secret in (portal.access_token, refresh, company, portal.connection.secret):
        assert secret.encode() not in blob
