"""Portal actions shared by the control API and the portal UI."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from . import fire
from .state import SCOPE, FakeState, Portal


def portal_info(state: FakeState, portal: Portal, base: str, user_id: int = 1) -> dict:
    """Identity of a portal plus fresh tokens for one user."""
    access, refresh = state.mint(portal, user_id)
    return {
        "name": portal.name,
        "member_id": portal.member_id,
        "domain": portal.domain,
        "client_endpoint": f"{base}/p/{portal.name}/rest/",
        "server_endpoint": f"{base}/rest/",
        "portal_url": f"{base}/p/{portal.name}/",
        "access_token": access.value,
        "refresh_token": refresh.value,
        "expires": int(access.expires),
        "user_id": user_id,
        "application_token": portal.application_token,
        "mode": portal.mode,
    }


def entry_payload(
    state: FakeState,
    portal: Portal,
    base: str,
    user_id: int,
    *,
    placement: str = "DEFAULT",
    options: Any = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """The iframe payload Bitrix24 posts to the app (query + form), with fresh tokens."""
    access, refresh = state.mint(portal, user_id)
    opts = options if isinstance(options, str) else json.dumps(options or {})
    return {
        "query": {
            "DOMAIN": portal.domain,
            "PROTOCOL": "0",
            "LANG": lang or portal.lang,
            "APP_SID": secrets.token_hex(16),
        },
        "form": {
            "AUTH_ID": access.value,
            "AUTH_EXPIRES": str(state.token_ttl),
            "REFRESH_ID": refresh.value,
            "SERVER_ENDPOINT": f"{base}/rest/",
            "member_id": portal.member_id,
            "APPLICATION_TOKEN": portal.application_token,
            "APPLICATION_SCOPE": SCOPE,
            "status": portal.app_status,
            "PLACEMENT": placement,
            "PLACEMENT_OPTIONS": opts,
        },
    }


def install_event(state: FakeState, portal: Portal, base: str) -> list[dict]:
    """Fire ONAPPINSTALL with fresh admin tokens (also to the card's install handler)."""
    with state.lock:
        portal.removed = False
        admin = next((uid for uid, u in portal.users.items() if u.get("ADMIN")), 1)
        data = {
            "VERSION": str(portal.app_version),
            "ACTIVE": "Y",
            "INSTALLED": "Y",
            "LANGUAGE_ID": portal.lang,
        }
        extra = (portal.install_handler,) if portal.install_handler else ()
        jobs = fire.prepare(state, portal, base, "ONAPPINSTALL", data, user_id=admin, extra=extra)
    return fire.deliver(state, portal, jobs)


def uninstall(state: FakeState, portal: Portal, base: str, clean: Any) -> list[dict]:
    """Fire ONAPPUNINSTALL, then forget handlers, connectors and tokens."""
    with state.lock:
        data = {"LANGUAGE_ID": portal.lang, "CLEAN": "1" if str(clean) in ("1", "true") else "0"}
        jobs = fire.prepare(state, portal, base, "ONAPPUNINSTALL", data, user_id=None)
        portal.installed, portal.removed = False, True
        portal.events.clear()
        portal.placements.clear()  # placement-bind.md: the app's widgets go with it
        portal.robots.clear()  # bizproc robots are the app's too (CONTRACT §8)
        portal.connectors.clear()
        portal.connector_lines.clear()
        state.drop_tokens(portal.member_id)
    return fire.deliver(state, portal, jobs)


def find_chat(portal: Portal, chat: str) -> dict[str, Any] | None:
    """A chat by key, external id or internal CHAT_ID."""
    for c in portal.chats.values():
        if chat in (c["KEY"], c["EXTERNAL_ID"], str(c["CHAT_ID"])):
            return c
    return None


def _operator_message(user_id: int, text: str, files: list | None) -> dict:
    """`message` of ONIMCONNECTORMESSAGEADD: user_id and text (on-im-connector-message-add.md);
    the docs show no file form — an operator's files come as `files[]` of {name, link, type, size},
    the disk-file fields a portal gives out (issue #12 item 7; the docs leave it open)."""
    message = {"user_id": str(user_id), "text": text}
    if files:
        message["files"] = [
            {
                "name": str(f.get("name") or "file"),
                "link": str(f.get("link") or f.get("url")),
                "type": str(f.get("type") or "file"),
                "size": int(f.get("size") or 0),
            }
            for f in files
            if isinstance(f, dict) and (f.get("link") or f.get("url"))
        ]
    return message


def operator_reply(
    state: FakeState,
    portal: Portal,
    base: str,
    chat_ref: str,
    user_id: int,
    text: str,
    files: list | None = None,
) -> list[dict]:
    """An operator answers in an Open Lines chat: store it and fire ONIMCONNECTORMESSAGEADD."""
    with state.lock:
        chat = find_chat(portal, chat_ref)
        if chat is None:
            raise KeyError(chat_ref)
        mid = portal.next_id("ol_message") + 7000
        chat["messages"].append(
            {
                "ID": mid,
                "EXTERNAL_ID": "",
                "CHAT_KEY": chat["KEY"],
                "DIRECTION": "out",
                "TEXT": text,
                "FILES": list(files or []),
                "DATE": int(time.time()),
                "AUTHOR": {"id": user_id},
                "DISABLE_CRM": "",
                "DELIVERED": False,
            }
        )
        data = {
            "CONNECTOR": chat["CONNECTOR"],
            "LINE": chat["LINE"],
            "MESSAGES": [
                {
                    "im": {"chat_id": str(chat["CHAT_ID"]), "message_id": str(mid)},
                    "message": _operator_message(user_id, text, files),
                    "chat": {"id": chat["EXTERNAL_ID"]},
                }
            ],
        }
        jobs = fire.prepare(state, portal, base, "ONIMCONNECTORMESSAGEADD", data, user_id=user_id)
    return fire.deliver(state, portal, jobs)
