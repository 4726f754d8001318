"""Open Lines test steps: a connected portal with the relay on, inbox events, line contents."""

from types import SimpleNamespace

import requests
from sqlalchemy import select

from b24app import connector, settings_store
from b24app.extensions import db
from b24app.models import Portal

from .helpers import (
    TIMEOUT,
    c2d_control,
    connect,
    drain,
    installed_portal,
    new_c2d_company,
    open_app,
    state,
)

LINE = "1"


def _portal(box, member_id) -> Portal:
    return db.session.execute(select(Portal).filter_by(member_id=member_id)).scalar_one()


def configure(box, member_id, tab="common", **values) -> str:
    """Save settings as the Common tab does, then let the connector follow (connector.sync)."""
    with box.app.test_request_context():
        portal = _portal(box, member_id)
        old = settings_store.load(portal, tab)
        settings_store.save(portal, tab, {**old, **values})
        db.session.commit()
        return connector.sync(portal, old, {**old, **values}) if tab == "common" else ""


def setup_portal(box, name, *, openlines=True, **common):
    """Installed portal + connected Chat2Desk company (+ Open Lines on line 1)."""
    info = installed_portal(box, name)
    token = open_app(box, name)
    c2d = new_c2d_company(box)
    assert connect(box, token, c2d).status_code == 302
    if openlines:
        assert (
            configure(box, info["member_id"], openlines_enabled=True, openline_id=LINE, **common)
            == ""
        )
    client = c2d_state(box, c2d)["clients"][0]
    return SimpleNamespace(
        name=name,
        member_id=info["member_id"],
        t=token,
        c2d=c2d,
        client_id=client["id"],
        client=client,
    )


def c2d_state(box, token):
    return c2d_control(box, "state", method="get", token=token)


def inbox(box, env, **overrides):
    body = {"client_id": env.client_id, **overrides}
    payload = c2d_control(box, "events/inbox", body, token=env.c2d)["payload"]
    drain(box)
    return payload


def wait_c2d(box):
    """Chat2Desk's deliveries done and the app's queue drained (twice: a queued row may send)."""
    for _ in range(2):
        requests.post(f"{box.c2d_url}/_control/wait", json={"timeout": 10}, timeout=TIMEOUT)
        drain(box)


def line_messages(box, env, dialog_id=None):
    msgs = state(box, env.name)["openline_messages"]
    if dialog_id is not None:
        msgs = [m for m in msgs if m["CHAT_KEY"].endswith(f"|{dialog_id}")]
    return msgs
