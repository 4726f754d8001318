"""Each person sees only their own dialogs; journal, health and preview are for admins only."""

from urllib.parse import parse_qs, urlsplit

import itsdangerous
import requests

from b24app import links
from tests.e2e.helpers import TIMEOUT, csrf_of, open_app, page, portal_row
from tests.e2e.ol_helpers import configure, inbox, setup_portal

SECRET_TEXT = "my card number is 4276 0000"


def _world(box, name):
    env = setup_portal(box, name, openlines=False)
    payload = inbox(box, env, text=SECRET_TEXT)
    env.operator = str(payload["operator_id"])
    assert env.operator != "2"  # operator 2 is the seeded supervisor
    return env, str(payload["dialog_id"])


def _link_key(box, env, dialog_id, user_id, when=None) -> str:
    with box.app.test_request_context():
        portal = portal_row(box, env.member_id)
        if when is None:
            url = links.dialog_link(portal, dialog_id, user_id, "bitrix24", "")
        else:
            real = itsdangerous.TimestampSigner.get_timestamp
            itsdangerous.TimestampSigner.get_timestamp = lambda self: when
            try:
                url = links.dialog_link(portal, dialog_id, user_id, "bitrix24", "")
            finally:
                itsdangerous.TimestampSigner.get_timestamp = real
    return parse_qs(urlsplit(url).query)["params[k]"][0]


def _by_link(box, dialog_id, key) -> requests.Response:
    return requests.get(f"{box.app_url}/dialogs/{dialog_id}", params={"k": key}, timeout=TIMEOUT)


def test_unmapped_employee_sees_no_dialog_journal_health_or_preview(sandbox, portal_name):
    env, dialog_id = _world(sandbox, portal_name)
    employee = open_app(sandbox, portal_name, user_id=5)
    for path, params in (
        (f"/dialogs/{dialog_id}", {}),
        ("/settings/journal", {}),
        ("/settings/journal", {"dialog": dialog_id}),
        ("/settings/health", {}),
        ("/settings/journal/preview", {"dialog": dialog_id}),
    ):
        resp = page(sandbox, path, employee, **params)
        assert resp.status_code == 403, path
        assert "Only Bitrix24 administrators" in resp.text
        assert SECRET_TEXT not in resp.text and dialog_id not in resp.text.split("<title>")[0]
    resp = _by_link(sandbox, dialog_id, _link_key(sandbox, env, dialog_id, 5))
    assert resp.status_code == 403 and SECRET_TEXT not in resp.text
    # the admin still sees all of it
    assert SECRET_TEXT in page(sandbox, f"/dialogs/{dialog_id}", env.t).text
    assert page(sandbox, "/settings/health", env.t).status_code == 200
    nav = page(sandbox, "/settings/common", employee).text
    assert 'data-tab="journal"' not in nav and 'data-tab="health"' not in nav


def test_operator_and_supervisor_users_see_it_until_they_lose_access(sandbox, portal_name):
    env, dialog_id = _world(sandbox, portal_name)
    operator_link = _link_key(sandbox, env, dialog_id, 5)
    supervisor_link = _link_key(sandbox, env, dialog_id, 4)
    assert _by_link(sandbox, dialog_id, operator_link).status_code == 403
    # Bitrix24 user 5 is mapped to the dialog's operator, user 4 to the supervisor (operator 2)
    mapping = {f"user_{env.operator}": "5", "user_2": "4"}
    configure(sandbox, env.member_id, "operators", **mapping)
    for key in (operator_link, supervisor_link):
        resp = _by_link(sandbox, dialog_id, key)
        assert resp.status_code == 200 and SECRET_TEXT in resp.text
    frame = open_app(sandbox, portal_name, user_id=5)
    assert SECRET_TEXT in page(sandbox, f"/dialogs/{dialog_id}", frame).text
    other = open_app(sandbox, portal_name, user_id=3)
    assert page(sandbox, f"/dialogs/{dialog_id}", other).status_code == 403
    configure(sandbox, env.member_id, "operators", **dict.fromkeys(mapping, ""))
    for key in (operator_link, supervisor_link):
        resp = _by_link(sandbox, dialog_id, key)
        assert resp.status_code == 403 and SECRET_TEXT not in resp.text


def test_dialog_links_expire_within_seven_days(sandbox, portal_name):
    import time

    env, dialog_id = _world(sandbox, portal_name)
    now = int(time.time())
    fresh = _link_key(sandbox, env, dialog_id, 1, when=now - 6 * 24 * 3600)
    stale = _link_key(sandbox, env, dialog_id, 1, when=now - 7 * 24 * 3600 - 60)
    assert _by_link(sandbox, dialog_id, fresh).status_code == 200
    resp = _by_link(sandbox, dialog_id, stale)
    assert resp.status_code == 403 and SECRET_TEXT not in resp.text


def test_rotating_the_link_secret_revokes_every_link(sandbox, portal_name):
    env, dialog_id = _world(sandbox, portal_name)
    old = _link_key(sandbox, env, dialog_id, 1)
    assert _by_link(sandbox, dialog_id, old).status_code == 200
    html = page(sandbox, "/settings/connection", env.t).text
    resp = requests.post(
        sandbox.app_url + "/settings/connection/revoke-links",
        data={"t": env.t, "csrf_token": csrf_of(html)},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert resp.status_code == 302
    assert _by_link(sandbox, dialog_id, old).status_code == 403
    assert _by_link(sandbox, dialog_id, _link_key(sandbox, env, dialog_id, 1)).status_code == 200


def test_webhook_secret_is_never_shown_and_k_is_masked_in_logs(sandbox, portal_name, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    env, dialog_id = _world(sandbox, portal_name)
    secret = portal_row(sandbox, env.member_id).connection.secret
    key = _link_key(sandbox, env, dialog_id, 1)
    _by_link(sandbox, dialog_id, key)
    for path in ("/settings/connection", "/settings/health", "/settings/journal"):
        assert secret not in page(sandbox, path, env.t).text, path
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"/dialogs/{dialog_id}" in text, "the request was not logged: the scan proves nothing"
    assert key not in text and secret not in text


def _follow_inside_portal(box, env, url, user_id) -> requests.Response:
    """What Bitrix24 does with a /marketplace/view/ link: the REST_APP_URI handler gets the
    clicking user's entry with the link's params (the fake portal page shows the form)."""
    from tests.e2e.helpers import control, post_entry

    portal = requests.get(url, timeout=TIMEOUT)
    assert portal.status_code == 200 and "/dialogs/open" in portal.text
    params = {k[7:-1]: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    payload = control(
        box,
        f"p/{env.name}/entry",
        {"user_id": user_id, "placement": "REST_APP_URI", "options": params},
    )
    return post_entry(box, "/dialogs/open", payload)


def test_a_link_opens_inside_the_portal_only_for_its_user(sandbox, portal_name):
    env, dialog_id = _world(sandbox, portal_name)
    configure(sandbox, env.member_id, "operators", **{f"user_{env.operator}": "5"})
    with sandbox.app.test_request_context():
        url = links.dialog_link(portal_row(sandbox, env.member_id), dialog_id, 5, "bitrix24", "")
    assert url.startswith(sandbox.portal_url(env.name) + "marketplace/view/")
    resp = _follow_inside_portal(sandbox, env, url, 5)
    assert resp.status_code == 302 and f"/dialogs/{dialog_id}?t=" in resp.headers["Location"]
    assert (
        SECRET_TEXT
        in requests.get(sandbox.app_url + resp.headers["Location"], timeout=TIMEOUT).text
    )
    # the same link clicked by another user of the portal (even an admin) opens nothing
    for other in (3, 1):
        resp = _follow_inside_portal(sandbox, env, url, other)
        assert resp.status_code == 403 and SECRET_TEXT not in resp.text
        assert "another Bitrix24 user" in resp.text
