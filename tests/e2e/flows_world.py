"""A connected portal with its own Chat2Desk company, warm caches and log helpers (flow tests)."""

import time
from dataclasses import dataclass

import requests
from sqlalchemy import select

from b24app import choices, settings_store
from b24app.extensions import db
from b24app.models import Journal, Portal

from .helpers import (
    TIMEOUT,
    b24_log,
    c2d_control,
    clear_b24_log,
    connect,
    control,
    installed_portal,
    new_c2d_company,
    open_app,
    state,
)


@dataclass
class World:
    """One test's portal + Chat2Desk company."""

    box: object
    name: str
    member_id: str
    c2d_token: str
    frame_token: str

    # --- app side ---------------------------------------------------------------------------
    def portal(self) -> Portal:
        return db.session.execute(select(Portal).filter_by(member_id=self.member_id)).scalar_one()

    def set(self, tab: str, **values) -> None:
        """Store settings over the tab's current values."""
        with self.box.app.app_context():
            portal = self.portal()
            settings_store.save(portal, tab, {**settings_store.load(portal, tab), **values})
            db.session.commit()

    def warm(self) -> None:
        """Load the Bitrix24 and Chat2Desk lists into the app's cache."""
        with self.box.app.app_context():
            portal = self.portal()
            choices.bitrix(portal, refresh=True)
            choices.chat2desk(portal, refresh=True)

    def journal(self) -> list[Journal]:
        with self.box.app.app_context():
            rows = (
                db.session.execute(
                    select(Journal).filter_by(portal_id=self.portal().id).order_by(Journal.id)
                )
                .scalars()
                .all()
            )
            db.session.expunge_all()
            return rows

    def portal_attr(self, **values) -> None:
        with self.box.app.app_context():
            portal = self.portal()
            for key, value in values.items():
                setattr(portal, key, value)
            db.session.commit()

    # --- Chat2Desk side ---------------------------------------------------------------------
    def event(self, kind: str, **overrides) -> dict:
        out = c2d_control(self.box, f"events/{kind}", overrides, token=self.c2d_token)
        self.drain()
        return out

    def redeliver(self, payload: dict) -> dict:
        out = c2d_control(self.box, "redeliver", {"payload": payload}, token=self.c2d_token)
        self.drain()
        return out

    def wait_for(self, hook_type: str, status: str, timeout: float = 15.0) -> Journal:
        """The newest row of `hook_type` once it has `status` (the worker retries by itself)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [r for r in self.journal() if r.hook_type == hook_type]
            if (rows and rows[-1].status == status) or time.monotonic() > deadline:
                return rows[-1] if rows else None
            time.sleep(0.1)

    def drain(self, timeout: float = 15.0) -> None:
        """Wait until the portal's queue holds nothing due (the worker thread drains it);
        rows waiting for a later retry stay."""
        from b24app.journal.queue import portal_due

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.box.app.app_context():
                if not portal_due(self.portal().id):
                    return
            time.sleep(0.05)
        raise AssertionError("the portal's queue did not drain")

    def c2d_state(self) -> dict:
        return c2d_control(self.box, "state", method="get", token=self.c2d_token)

    def c2d_log(self) -> list:
        return c2d_control(self.box, "log", method="get", token=self.c2d_token)

    def client(self, name: str) -> dict:
        return next(c for c in self.c2d_state()["clients"] if c["name"] == name)

    def dialog_of(self, client_id: int) -> dict:
        return next(d for d in self.c2d_state()["dialogs"] if d["client_id"] == client_id)

    def webhook_url(self) -> str:
        return self.c2d_state()["webhooks"][0]["url"]

    def close_payload(self, client: dict) -> dict:
        """A close_dialog for the client's dialog as Chat2Desk sends it (ids only)."""
        dialog = self.dialog_of(client["id"])
        return {
            "hook_type": "close_dialog",
            "dialog_id": dialog["id"],
            "client_id": client["id"],
            "request_id": dialog["last_request_id"],
            "operator_id": 3,
            "channel_id": 1,
            "event_time": "2026-11-27T10:00:00.000000Z",
        }

    def post_webhook(self, payload: dict) -> requests.Response:
        """Deliver a payload straight to the app (no Chat2Desk redelivery behind it)."""
        resp = requests.post(self.webhook_url(), json=payload, timeout=TIMEOUT)
        self.drain()
        return resp

    def wait(self) -> None:
        requests.post(f"{self.box.c2d_url}/_control/wait", json={"timeout": 10}, timeout=TIMEOUT)

    # --- Bitrix24 side ----------------------------------------------------------------------
    def b24(self) -> dict:
        return state(self.box, self.name)

    def b24_log(self) -> list:
        return b24_log(self.box, self.name)

    def clear_logs(self) -> None:
        clear_b24_log(self.box, self.name)
        c2d_control(self.box, "log", method="delete", token=self.c2d_token)

    def rest(self, method: str, params: dict):
        """Call the fake portal's REST API directly (as another app would)."""
        info = control(self.box, f"p/{self.name}/tokens", {"user_id": 1})
        resp = requests.post(
            info["client_endpoint"] + method,
            json={**params, "auth": info["access_token"]},
            timeout=TIMEOUT,
        )
        resp.raise_for_status()
        return resp.json()["result"]

    def fault(self, **fault) -> None:
        control(self.box, f"p/{self.name}/faults", fault)


def make_world(box, name: str, mode: int = 1) -> World:
    """Install, open, connect a fresh Chat2Desk company, warm the caches."""
    info = installed_portal(box, name, mode=mode)
    frame_token = open_app(box, name)
    c2d_token = new_c2d_company(box)
    resp = connect(box, frame_token, c2d_token)
    assert resp.status_code in (200, 302), resp.text[:300]
    world = World(box, name, info["member_id"], c2d_token, frame_token)
    world.warm()
    return world


def crm_calls(log: list) -> list[str]:
    """Every crm.* method called, batch sub-calls included."""
    out = []
    for entry in log:
        out += [m for m in [entry["method"], *entry["batch_cmds"]] if m.startswith("crm.")]
    return out


def methods(log: list) -> list[str]:
    out = []
    for entry in log:
        out += entry["batch_cmds"] or [entry["method"]]
    return out
