"""Install takeover: an employee tries to own the install, then to aim the app at their host."""

import pytest
import requests
from sqlalchemy import select

from b24app.clients.bitrix24 import OAuthError
from b24app.extensions import db
from b24app.models import Portal, Setting
from tests.e2e.helpers import (
    TIMEOUT,
    control,
    entry,
    installed_portal,
    portal_row,
    post_entry,
    state,
)
from tests.security.foreign import Foreign


@pytest.fixture
def foreign():
    server = Foreign()
    yield server
    server.stop()


def _snapshot(box, member_id) -> tuple:
    p = portal_row(box, member_id)
    return (
        p.status,
        p.access_token,
        p.refresh_token,
        p.pending_refresh_token,
        p.application_token,
        p.client_endpoint,
        p.server_endpoint,
    )


def _event(box, name: str, **fields) -> requests.Response:
    data = {"event": name, **{f"auth[{k}]": v for k, v in fields.items() if k != "data"}}
    data.update(fields.get("data", {}))
    return requests.post(box.app_url + "/bitrix/events", data=data, timeout=TIMEOUT)


def _call_portal(box, member_id) -> None:
    from b24app.portals import client_for

    with box.app.app_context():
        portal = db.session.execute(select(Portal).filter_by(member_id=member_id)).scalar_one()
        assert client_for(portal).call("profile")["ID"]


def test_install_takeover_end_to_end(sandbox, portal_name, foreign):
    info = installed_portal(sandbox, portal_name)
    member = info["member_id"]
    with sandbox.app.app_context():
        pid = portal_row(sandbox, member).id
        db.session.add(Setting(portal_id=pid, tab="common", data={"notify_incoming": False}))
        db.session.commit()
    before = _snapshot(sandbox, member)
    chosen, evil_rest = "attacker-chosen-application-token", foreign.url + "/rest/"

    # 1. the employee (user 2, not an admin) posts the installer form with their own values
    employee = entry(sandbox, portal_name, user_id=2)
    resp = post_entry(
        sandbox, "/install", employee, APPLICATION_TOKEN=chosen, REFRESH_ID="attacker-refresh"
    )
    assert resp.status_code == 403
    assert "administrator" in resp.text and "Nothing was changed" in resp.text
    assert _snapshot(sandbox, member) == before

    # 2. a forged uninstall with the token they chose wipes nothing
    resp = _event(
        sandbox,
        "ONAPPUNINSTALL",
        member_id=member,
        application_token=chosen,
        data={"data[CLEAN]": "1"},
    )
    assert resp.status_code == 401

    # 3. forged updates aiming the REST base and the OAuth host at the attacker's server,
    #    with their own valid token — even when the real application token has leaked
    for app_token in (chosen, info["application_token"]):
        resp = _event(
            sandbox,
            "ONAPPUPDATE",
            member_id=member,
            application_token=app_token,
            access_token=employee["form"]["AUTH_ID"],
            refresh_token="attacker-refresh",
            client_endpoint=evil_rest,
            server_endpoint=evil_rest,
            domain="127.0.0.1",
        )
        assert resp.status_code == 401, resp.text
    assert _snapshot(sandbox, member) == before
    with sandbox.app.app_context():
        assert db.session.execute(select(Setting).filter_by(portal_id=pid)).first()

    # 4. the next token refresh and REST call still go to the real portal only
    control(sandbox, f"p/{portal_name}/expire")
    refreshes = state(sandbox, portal_name)["refresh_count"]
    _call_portal(sandbox, member)
    assert state(sandbox, portal_name)["refresh_count"] == refreshes + 1
    assert foreign.hits == [], "the app called the attacker's host"


def test_admin_update_event_cannot_move_the_rest_base(sandbox, portal_name, foreign):
    """Even a genuine admin token in an event does not choose where REST calls go."""
    info = installed_portal(sandbox, portal_name)
    admin = entry(sandbox, portal_name, user_id=1)
    resp = _event(
        sandbox,
        "ONAPPUPDATE",
        member_id=info["member_id"],
        application_token=info["application_token"],
        access_token=admin["form"]["AUTH_ID"],
        client_endpoint=foreign.url + "/rest/",
        server_endpoint=foreign.url + "/rest/",
    )
    assert resp.status_code == 200
    portal = portal_row(sandbox, info["member_id"])
    assert portal.client_endpoint == info["client_endpoint"]
    assert portal.server_endpoint == info["server_endpoint"]
    _call_portal(sandbox, info["member_id"])
    assert foreign.hits == []


def test_refresh_never_goes_to_an_untrusted_oauth_host(sandbox, portal_name, foreign):
    """A row that somehow points at another OAuth host: the client secret is not sent there."""
    from b24app.portals import refresh_tokens

    info = installed_portal(sandbox, portal_name)
    with sandbox.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=info["member_id"])
        ).scalar_one()
        portal.server_endpoint = foreign.url + "/rest/"
        db.session.commit()
        with pytest.raises(OAuthError) as caught:
            refresh_tokens(portal.id, portal.access_token)
    assert caught.value.code == "UNTRUSTED_OAUTH_HOST"
    assert foreign.hits == []
    assert not foreign.saw(sandbox.app.config["B24_CLIENT_SECRET"])


def test_refresh_token_is_kept_only_once_it_has_worked(sandbox, portal_name):
    """An install POST with a refresh token that does not work cannot break the refresh."""
    info = installed_portal(sandbox, portal_name)
    member = info["member_id"]
    control(sandbox, f"p/{portal_name}/expire")
    _call_portal(sandbox, member)  # the install's refresh token worked: now it is kept
    good = portal_row(sandbox, member)
    assert good.refresh_token and good.pending_refresh_token is None
    resp = post_entry(sandbox, "/install", entry(sandbox, portal_name), REFRESH_ID="garbage")
    assert resp.status_code == 200
    row = portal_row(sandbox, member)
    assert row.refresh_token == good.refresh_token and row.pending_refresh_token == "garbage"
    control(sandbox, f"p/{portal_name}/expire")
    _call_portal(sandbox, member)  # the garbage one is tried, refused, the good one works
    row = portal_row(sandbox, member)
    assert row.pending_refresh_token is None
    assert row.refresh_token and row.refresh_token not in ("garbage", good.refresh_token)


def test_a_rest_base_stored_by_an_older_version_is_healed_at_the_next_entry(
    sandbox, portal_name, foreign
):
    """A row an earlier version let an event poison: the next verified entry puts back the
    REST base app.info reports, so the app's calls leave the foreign host."""
    from tests.e2e.helpers import open_app

    info = installed_portal(sandbox, portal_name)
    with sandbox.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=info["member_id"])
        ).scalar_one()
        portal.client_endpoint = foreign.url + "/rest/"
        db.session.commit()
    open_app(sandbox, portal_name, user_id=2)
    assert portal_row(sandbox, info["member_id"]).client_endpoint == info["client_endpoint"]
    _call_portal(sandbox, info["member_id"])
    assert foreign.hits == []
