"""Install lifecycle over HTTP against the sandbox Bitrix24 (CONTRACT §3)."""

import requests
from sqlalchemy import select

from b24app.extensions import db
from b24app.models import Portal, Setting

from .helpers import (
    TIMEOUT,
    control,
    create_portal,
    entry,
    install,
    installed_portal,
    open_app,
    page,
    portal_row,
    post_entry,
    state,
)


def _portal(box, member_id):
    return portal_row(box, member_id)


def test_install_stores_portal_binds_events_and_finishes(sandbox, portal_name):
    info = create_portal(sandbox, portal_name)
    resp = install(sandbox, portal_name)
    assert resp.status_code == 200
    assert "installFinish" in resp.text or "data-install-finish" in resp.text
    portal = _portal(sandbox, info["member_id"])
    assert portal.active and portal.pending_refresh_token and portal.application_token
    assert portal.client_endpoint == info["client_endpoint"]
    bound = {(e["event"].upper(), e["handler"]) for e in state(sandbox, portal_name)["events"]}
    handler = sandbox.app_url + "/bitrix/events"
    assert {("ONAPPUNINSTALL", handler), ("ONIMCONNECTORMESSAGEADD", handler)} <= bound
    assert portal.bot_id


def test_reinstall_binds_nothing_twice(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    assert install(sandbox, portal_name).status_code == 200
    events = state(sandbox, portal_name)["events"]
    assert len(events) == len({(e["event"].upper(), e["handler"]) for e in events})
    assert len(state(sandbox, portal_name)["bots"]) == 1


def test_forged_auth_id_is_refused_and_nothing_stored(sandbox, portal_name):
    info = create_portal(sandbox, portal_name)
    resp = post_entry(sandbox, "/install", entry(sandbox, portal_name), AUTH_ID="forged")
    assert resp.status_code == 401
    assert "did not confirm" in resp.text
    assert _portal(sandbox, info["member_id"]) is None


def test_foreign_server_endpoint_is_refused(sandbox, portal_name):
    info = create_portal(sandbox, portal_name)
    resp = post_entry(
        sandbox,
        "/install",
        entry(sandbox, portal_name),
        SERVER_ENDPOINT="https://evil.example/rest/",
    )
    assert resp.status_code == 403
    assert "trusts" in resp.text
    assert _portal(sandbox, info["member_id"]) is None


def test_other_portals_member_id_is_refused(sandbox, portal_name):
    create_portal(sandbox, portal_name)
    other = create_portal(sandbox, portal_name + "x")
    resp = post_entry(
        sandbox, "/install", entry(sandbox, portal_name), member_id=other["member_id"]
    )
    assert resp.status_code == 403
    assert _portal(sandbox, other["member_id"]) is None


def test_event_with_wrong_application_token_is_refused(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    resp = requests.post(
        sandbox.app_url + "/bitrix/events",
        timeout=TIMEOUT,
        data={
            "event": "ONAPPUNINSTALL",
            "data[CLEAN]": "1",
            "auth[member_id]": info["member_id"],
            "auth[application_token]": "not-the-token",
        },
    )
    assert resp.status_code == 401
    assert _portal(sandbox, info["member_id"]).active


def test_event_for_unknown_portal_is_refused(sandbox):
    resp = requests.post(
        sandbox.app_url + "/bitrix/events",
        timeout=TIMEOUT,
        data={
            "event": "ONAPPUNINSTALL",
            "auth[member_id]": "nobody",
            "auth[application_token]": "x",
        },
    )
    assert resp.status_code == 401


def test_expired_token_refreshes_once(sandbox, portal_name):
    from b24app.portals import client_for

    info = installed_portal(sandbox, portal_name)
    control(sandbox, f"p/{portal_name}/expire")
    before = state(sandbox, portal_name)["refresh_count"]
    with sandbox.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=info["member_id"])
        ).scalar_one()
        old = portal.access_token
        assert client_for(portal).call("profile")["ID"]
        db.session.refresh(portal)
        assert portal.access_token != old
    assert state(sandbox, portal_name)["refresh_count"] == before + 1


def test_open_app_as_admin_and_as_employee(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    admin = open_app(sandbox, portal_name, user_id=1)
    resp = page(sandbox, "/settings/connection", admin)
    assert resp.status_code == 200 and "api_token" in resp.text
    assert "only Bitrix24 administrators" not in resp.text
    employee = open_app(sandbox, portal_name, user_id=2)
    resp = page(sandbox, "/settings/connection", employee)
    assert resp.status_code == 200
    assert "only Bitrix24 administrators can edit" in resp.text


def test_tampered_or_missing_frame_token_is_refused(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    assert page(sandbox, "/settings/common", token[:-2] + "xx").status_code == 401
    assert requests.get(sandbox.app_url + "/settings/common", timeout=TIMEOUT).status_code == 401


def _with_setting(box, member_id) -> int:
    """Store one setting for the portal; returns the portal id."""
    pid = portal_row(box, member_id).id
    with box.app.app_context():
        db.session.add(Setting(portal_id=pid, tab="common", data={"x": 1}))
        db.session.commit()
    return pid


def test_uninstall_forgets_tokens_and_clean_deletes_settings(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    pid = _with_setting(sandbox, info["member_id"])
    control(sandbox, f"p/{portal_name}/uninstall", {"clean": 1})
    portal = _portal(sandbox, info["member_id"])
    assert portal.status == "uninstalled"
    assert portal.access_token is None and portal.refresh_token is None
    with sandbox.app.app_context():
        assert db.session.execute(select(Setting).filter_by(portal_id=pid)).first() is None


def test_uninstall_without_clean_keeps_settings(sandbox, portal_name):
    info = installed_portal(sandbox, portal_name)
    pid = _with_setting(sandbox, info["member_id"])
    control(sandbox, f"p/{portal_name}/uninstall", {"clean": 0})
    assert _portal(sandbox, info["member_id"]).status == "uninstalled"
    with sandbox.app.app_context():
        assert db.session.execute(select(Setting).filter_by(portal_id=pid)).first()


def test_healthz(sandbox):
    resp = requests.get(sandbox.app_url + "/healthz", timeout=TIMEOUT)
    assert resp.json() == {"status": "ok"}


def test_renamed_portal_is_followed_and_new_address_stored(sandbox, portal_name):
    from b24app.portals import client_for

    info = installed_portal(sandbox, portal_name)
    control(sandbox, f"p/{portal_name}/rename", {"new_name": portal_name + "new"})
    with sandbox.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=info["member_id"])
        ).scalar_one()
        assert client_for(portal).call("profile")["ID"]
        db.session.refresh(portal)
        assert portal.client_endpoint.endswith(f"/p/{portal_name}new/rest/")


def test_missing_required_setting_stops_start_up_naming_it(monkeypatch, tmp_path):
    import pytest

    from b24app import create_app

    monkeypatch.delenv("B24APP_SANDBOX", raising=False)
    monkeypatch.delenv("B24_CLIENT_ID", raising=False)
    monkeypatch.setenv("B24_CLIENT_SECRET", "x")
    with pytest.raises(SystemExit) as stop:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "k"})
    assert (
        str(stop.value)
        == "b24app: missing required setting B24_CLIENT_ID (set it in the environment)"
    )
