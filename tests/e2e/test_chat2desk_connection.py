"""Connection tab and webhook intake against the sandbox Chat2Desk (issue 4)."""

import requests
from sqlalchemy import func, select, text

from b24app.extensions import db
from b24app.models import Journal, Portal

from .helpers import (
    TIMEOUT,
    c2d_control,
    connect,
    installed_portal,
    new_c2d_company,
    open_app,
    page,
    submit,
)


def _connection(box, member_id):
    with box.app.app_context():
        portal = db.session.execute(select(Portal).filter_by(member_id=member_id)).scalar_one()
        conn = portal.connection
        return (conn.secret, conn.webhook_id, portal.id) if conn else None


def _hooks(box, token):
    return c2d_control(box, "state", method="get", token=token)["webhooks"]


def _setup(box, name):
    info = installed_portal(box, name)
    company = new_c2d_company(box)
    return info, open_app(box, name), company


def test_bad_token_is_a_field_error_and_nothing_is_stored(sandbox, portal_name):
    info, token, _company = _setup(sandbox, portal_name)
    resp = connect(sandbox, token, c2d_token="wrong-token")
    assert resp.status_code == 200
    assert "did not accept this token" in resp.text
    assert _connection(sandbox, info["member_id"]) is None


def test_good_token_three_saves_make_exactly_one_webhook(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    for _ in range(3):
        resp = connect(sandbox, token, c2d_token=company)
        assert resp.status_code == 302
    hooks = _hooks(sandbox, company)
    assert len(hooks) == 1
    secret, webhook_id, _pid = _connection(sandbox, info["member_id"])
    hook = hooks[0] if isinstance(hooks, list) else next(iter(hooks.values()))
    assert hook["url"] == f"{sandbox.app_url}/webhooks/chat2desk/{secret}"
    assert {"inbox", "close_dialog", "dialog_transferred", "add_tag_to_request"} <= set(
        hook["events"]
    )
    assert hook["status"] == "enable" and int(hook["id"]) == webhook_id
    assert "Webhook" in page(sandbox, "/settings/connection", token).text


def test_token_is_stored_encrypted(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    with sandbox.app.app_context():
        raw = db.session.execute(text("SELECT api_token FROM connection")).scalars().all()
    assert raw and all(company not in value for value in raw if value)


def test_rotate_secret_and_disconnect(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    old_secret, _, _ = _connection(sandbox, info["member_id"])
    resp = submit(
        sandbox, "/settings/connection/rotate?t=" + token, token, {}, csrf=_csrf(sandbox, token)
    )
    assert resp.status_code == 302
    new_secret, _, _ = _connection(sandbox, info["member_id"])
    assert new_secret != old_secret
    hooks = _hooks(sandbox, company)
    assert len(hooks) == 1
    old = requests.post(
        f"{sandbox.app_url}/webhooks/chat2desk/{old_secret}",
        json={"hook_type": "inbox"},
        timeout=TIMEOUT,
    )
    assert old.status_code == 404
    resp = submit(
        sandbox, "/settings/connection/disconnect?t=" + token, token, {}, csrf=_csrf(sandbox, token)
    )
    assert resp.status_code == 200 and 'id="disconnect-confirm"' in resp.text  # asks first
    assert len(_hooks(sandbox, company)) == 1
    assert _connection(sandbox, info["member_id"]) is not None
    resp = submit(
        sandbox,
        "/settings/connection/disconnect?t=" + token,
        token,
        {"confirm": "1"},
        csrf=_csrf(sandbox, token),
    )
    assert resp.status_code == 302
    assert _hooks(sandbox, company) in ([], {})
    assert _connection(sandbox, info["member_id"]) is None


def _csrf(box, token):
    from .helpers import csrf_of

    return csrf_of(page(box, "/settings/connection", token).text)


def test_unknown_secret_is_404_and_malformed_is_400(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    secret, _, _ = _connection(sandbox, info["member_id"])
    url = f"{sandbox.app_url}/webhooks/chat2desk/"
    assert (
        requests.post(url + "nope", json={"hook_type": "inbox"}, timeout=TIMEOUT).status_code == 404
    )
    for body in (
        b"not json",
        b"[]",
        b'{"no_hook_type": 1}',
        b'{"hook_type": 5}',
        b'{"hook_type": "inbox", "dialog_id": {"x": 1}}',
    ):
        resp = requests.post(
            url + secret, data=body, timeout=TIMEOUT, headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 400, body
        assert "malformed" in resp.json()["error"]


def test_one_event_delivered_three_times_is_one_row(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    sent = c2d_control(sandbox, "events/new_request", {}, token=company)
    assert sent["statuses"] == [200]
    for _ in range(2):
        again = c2d_control(sandbox, "redeliver", {"payload": sent["payload"]}, token=company)
        assert again["statuses"] == [200]
    _, _, pid = _connection(sandbox, info["member_id"])
    with sandbox.app.app_context():
        count = db.session.execute(
            select(func.count())
            .select_from(Journal)
            .where(Journal.portal_id == pid, Journal.hook_type == "new_request")
        ).scalar()
    assert count == 1


def test_unknown_hook_type_is_journaled_as_ignored(sandbox, portal_name):
    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    secret, _, pid = _connection(sandbox, info["member_id"])
    resp = requests.post(
        f"{sandbox.app_url}/webhooks/chat2desk/{secret}",
        timeout=TIMEOUT,
        json={"hook_type": "new_qr_code_v9", "event_time": "2026-01-01T00:00Z"},
    )
    assert resp.status_code == 200 and resp.json()["status"] == "ignored"
    journal = page(sandbox, "/settings/journal", token).text
    assert "new_qr_code_v9" in journal and "does not act on" in journal


def test_disabled_webhook_is_re_enabled_on_save(sandbox, portal_name):
    _info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    hook = _hooks(sandbox, company)[0]
    requests.put(
        f"{sandbox.c2d_api}/webhooks/{hook['id']}",
        json={"status": "disable"},
        headers={"Authorization": company},
        timeout=TIMEOUT,
    ).raise_for_status()
    assert _hooks(sandbox, company)[0]["status"] == "disable"
    resp = connect(sandbox, token, c2d_token=company)
    follow = requests.get(sandbox.app_url + resp.headers["Location"], timeout=TIMEOUT)
    assert "re-enabled" in follow.text
    hooks = _hooks(sandbox, company)
    assert len(hooks) == 1 and hooks[0]["status"] == "enable"


def test_account_with_five_webhooks_gets_a_clear_message(sandbox, portal_name):
    _info, token, company = _setup(sandbox, portal_name)
    for i in range(5):
        requests.post(
            f"{sandbox.c2d_api}/webhooks",
            headers={"Authorization": company},
            json={"name": f"other {i}", "url": f"https://other.example/{i}", "events": ["inbox"]},
            timeout=TIMEOUT,
        ).raise_for_status()
    resp = connect(sandbox, token, c2d_token=company)
    follow = requests.get(sandbox.app_url + resp.headers["Location"], timeout=TIMEOUT)
    assert "already has 5 webhooks" in follow.text
    assert len(_hooks(sandbox, company)) == 5


def test_journal_page_retry_button_completes_a_failed_event(sandbox, portal_name):
    from .flows_world import make_world
    from .helpers import csrf_of

    world = make_world(sandbox, portal_name)
    world.fault(method="*", kind="500", count=1)
    client = world.c2d_state()["clients"][0]
    resp = world.post_webhook(
        {
            "hook_type": "inbox",
            "message_id": 987654,
            "client_id": client["id"],
            "type": "from_client",
            "text": "hello",
            "dialog_id": world.dialog_of(client["id"])["id"],
        }
    )
    assert resp.status_code == 200 and resp.json()["status"] == "retrying"
    row_id = resp.json()["journal_id"]
    html = page(sandbox, "/settings/journal", world.frame_token, status="retrying").text
    assert f"/settings/journal/{row_id}/retry" in html and "Bitrix24 answered" in html
    resp = requests.post(
        f"{sandbox.app_url}/settings/journal/{row_id}/retry",
        timeout=TIMEOUT,
        data={"t": world.frame_token, "csrf_token": csrf_of(html)},
        allow_redirects=False,
    )
    assert resp.status_code == 302
    assert world.journal()[-1].status == "done"
    assert len(world.b24()["bot_messages"]) + len(world.b24()["notifications"]) >= 1


def test_old_journal_rows_are_pruned_after_the_retention(sandbox, portal_name):
    from datetime import UTC, datetime, timedelta

    from b24app import journal

    info, token, company = _setup(sandbox, portal_name)
    connect(sandbox, token, c2d_token=company)
    c2d_control(sandbox, "events/new_request", {}, token=company)
    c2d_control(sandbox, "events/new_request", {}, token=company)
    _, _, pid = _connection(sandbox, info["member_id"])
    with sandbox.app.app_context():
        first = db.session.execute(select(Journal).filter_by(portal_id=pid)).scalars().first()
        first.created_at = datetime.now(UTC) - timedelta(days=400)
        db.session.commit()
    journal._last_prune[0] = 0.0
    page(sandbox, "/settings/journal", token)
    with sandbox.app.app_context():
        left = db.session.execute(
            select(func.count()).select_from(Journal).where(Journal.portal_id == pid)
        ).scalar()
    assert left == 1
