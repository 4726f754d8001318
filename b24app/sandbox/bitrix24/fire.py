"""Delivering events to bound handlers as form-encoded PHP-bracket POSTs."""

from __future__ import annotations

import time
from typing import Any

import requests

from . import offline
from .phpform import encode_pairs
from .state import SCOPE, FakeState, Portal

REFRESH_EVENTS = {"ONAPPINSTALL", "ONAPPUPDATE"}
TIMEOUT = 10


def event_auth(
    state: FakeState, portal: Portal, base: str, event: str, user_id: int | None
) -> dict[str, Any]:
    """The `auth` block of an event (uninstall gets no tokens)."""
    auth = {
        "domain": portal.domain,
        "server_endpoint": f"{base}/rest/",
        "client_endpoint": f"{base}/p/{portal.name}/rest/",
        "member_id": portal.member_id,
        "application_token": portal.application_token,
    }
    if event == "ONAPPUNINSTALL" or user_id is None:
        return auth
    access, refresh = state.mint(portal, user_id)
    tokens = {
        "access_token": access.value,
        "expires": str(int(access.expires)),
        "expires_in": str(state.token_ttl),
        "scope": SCOPE,
        "status": portal.app_status,
        "user_id": str(user_id),
    }
    if event in REFRESH_EVENTS:
        tokens["refresh_token"] = refresh.value
    if event == "ONAPPINSTALL":
        # no user_id, no expires in its auth (api-reference/common/events/on-app-install.md)
        tokens.pop("user_id")
        tokens.pop("expires")
    return {**tokens, **auth}


def prepare(
    state: FakeState,
    portal: Portal,
    base: str,
    event: str,
    data: Any,
    *,
    user_id: int | None = 1,
    extra: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Build one delivery per handler bound to the event (call under the lock)."""
    event = event.upper()
    with state.lock:
        # offline bindings are queued for event.offline.get, never POSTed (event-offline-get.md)
        offline.queue(portal, event, data, user_id)
        online = [b for b in portal.events if not b.get("offline")]
        targets = [(b["id"], b["handler"]) for b in online if b["event"] == event]
        targets += [(0, url) for url in extra if url and url not in {t[1] for t in targets}]
        jobs = []
        for handler_id, url in targets:
            payload = {
                "event": event,
                "event_handler_id": str(handler_id),
                "data": data or {},
                "ts": str(int(time.time())),
                "auth": event_auth(state, portal, base, event, user_id),
            }
            jobs.append({"event": event, "handler": url, "payload": payload})
        return jobs


def deliver(state: FakeState, portal: Portal, jobs: list[dict[str, Any]]) -> list[dict]:
    """POST each job (outside the lock) and record the handler's answer."""
    done = []
    for job in jobs:
        record = {**job, "ts": time.time(), "status": None, "response": "", "error": ""}
        try:
            resp = requests.post(job["handler"], data=encode_pairs(job["payload"]), timeout=TIMEOUT)
            record.update(status=resp.status_code, response=resp.text[:500])
        except requests.RequestException as exc:
            record["error"] = str(exc)[:300]
        with state.lock:
            portal.deliveries.append(record)
        done.append(record)
    return done


def fire(
    state: FakeState, portal: Portal, base: str, event: str, data: Any, **kwargs: Any
) -> list[dict]:
    """Prepare and deliver an event."""
    return deliver(state, portal, prepare(state, portal, base, event, data, **kwargs))
