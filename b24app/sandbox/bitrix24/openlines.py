"""Open Lines: line list and the imconnector custom-connector methods."""

from __future__ import annotations

import re
import time
from typing import Any

from .envelope import ApiError, param
from .registry import Ctx, method, require
from .seed import OPEN_LINES


@method("imopenlines.config.list.get")
def lines_list(ctx: Ctx, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Open Lines with PARAMS.limit/offset."""
    opts = param(params, "PARAMS") or {}
    offset = int(opts.get("offset", 0) or 0)
    limit = min(int(opts.get("limit", 50) or 50), 200)
    return [dict(line) for line in OPEN_LINES[offset : offset + limit]]


@method("imconnector.register")
def register(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Register (or update) a connector; errors are reported in-band."""
    checks = [
        ("ID", "CONNECTOR_ID_REQUIRED"),
        ("NAME", "NAME_REQUIRED"),
        ("ICON", "ICON_REQUIRED"),
        ("PLACEMENT_HANDLER", "NO_PLACEMENT_HANDLER"),
    ]
    for key, code in checks:
        if not param(params, key):
            return {"result": False, "error": code}
    cid = str(param(params, "ID"))
    ctx.portal.connectors[cid] = {k.upper(): v for k, v in params.items()}
    return {"result": True}


def _line_key(ctx: Ctx, params: dict[str, Any]) -> tuple[str, str]:
    """(connector, line) of a call, checking the connector exists."""
    require(params, "CONNECTOR", "LINE")
    connector, line = str(params["CONNECTOR"]), str(params["LINE"])
    if connector not in ctx.portal.connectors:
        raise ApiError(400, "ERROR_ARGUMENT", "Connector not registered")
    return connector, line


def _line(ctx: Ctx, connector: str, line: str) -> dict[str, Any]:
    """State of a connector on a line."""
    return ctx.portal.connector_lines.setdefault(
        f"{connector}|{line}", {"CONNECTOR": connector, "LINE": line, "ACTIVE": False, "DATA": {}}
    )


@method("imconnector.activate")
def activate(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Switch the connector on/off for a line."""
    connector, line = _line_key(ctx, params)
    _line(ctx, connector, line)["ACTIVE"] = str(param(params, "ACTIVE", 1)) in ("1", "Y", "true")
    return True


@method("imconnector.status")
def status(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Connector status on a line."""
    connector, line = _line_key(ctx, params)
    active = _line(ctx, connector, line)["ACTIVE"]
    return {
        "LINE": line,
        "CONNECTOR": connector,
        "ERROR": False,
        "CONFIGURED": active,
        "STATUS": active,
    }


@method("imconnector.connector.data.set")
def data_set(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Overwrite the connector's data for a line."""
    connector, line = _line_key(ctx, params)
    _line(ctx, connector, line)["DATA"] = param(params, "DATA") or {}
    return True


def _chat(ctx: Ctx, connector: str, line: str, item: dict[str, Any]) -> dict[str, Any]:
    """The stored chat for an external chat id (created on first message)."""
    ext = str((item.get("chat") or {}).get("id") or "")
    key = f"{connector}|{line}|{ext}"
    chat = ctx.portal.chats.get(key)
    if chat is None:
        chat = ctx.portal.chats[key] = {
            "KEY": key,
            "CONNECTOR": connector,
            "LINE": line,
            "EXTERNAL_ID": ext,
            "CHAT_ID": ctx.portal.next_id("ol_chat") + 500,
            "SESSION_ID": ctx.portal.next_id("ol_session") + 900,
            "B24_USER_ID": ctx.portal.next_id("ol_user") + 300,
            "NAME": (item.get("chat") or {}).get("name") or "",
            "USER": {},
            "messages": [],
        }
    chat["USER"] = item.get("user") or chat["USER"]
    return chat


_CHAT_KEYS = ("id", "name", "url", "description")
# user.name / last_name: "letters, spaces, hyphens, and apostrophes. Numbers and other special
# characters are not allowed. The maximum length … is 25 characters" (imconnector-send-messages.md)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-]+[^\W\d_]+)*$")


def _check_names(user: dict) -> None:
    for key in ("name", "last_name"):
        value = user.get(key)
        if value in (None, ""):
            continue
        if len(str(value)) > 25 or not _NAME.match(str(value)):
            raise ApiError(
                400,
                "ERROR_ARGUMENT",
                f"user.{key}: letters, spaces, hyphens and apostrophes only, at most 25 characters",
            )


@method("imconnector.send.messages")
def send_messages(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Client messages into an Open Line."""
    connector, line = _line_key(ctx, params)
    if not _line(ctx, connector, line)["ACTIVE"]:
        raise ApiError(400, "NOT_ACTIVE_LINE", "Line is not active")
    results = []
    for item in param(params, "MESSAGES") or []:
        if not (item.get("user") or {}).get("id") or not (item.get("chat") or {}).get("id"):
            raise ApiError(400, "ERROR_ARGUMENT", "user.id and chat.id are required")
        _check_names(item["user"])
        chat, msg = _chat(ctx, connector, line, item), item.get("message") or {}
        mid = ctx.portal.next_id("ol_message") + 7000
        chat["messages"].append(
            {
                "ID": mid,
                "EXTERNAL_ID": str(msg.get("id") or ""),
                "CHAT_KEY": chat["KEY"],
                "DIRECTION": "in",
                "TEXT": msg.get("text") or "",
                "FILES": msg.get("files") or [],
                "DATE": msg.get("date") or int(time.time()),
                "AUTHOR": item["user"],
                "DISABLE_CRM": msg.get("disable_crm") or "",
                "DELIVERED": False,
            }
        )
        # RESULT[] items as the docs show them: message and chat objects, user a string
        # (api-reference/imopenlines/imconnector/imconnector-send-messages.md, Response Handling)
        results.append(
            {
                "user": str(chat["B24_USER_ID"]),
                "message": {k: msg.get(k) for k in ("id", "date", "text", "files")},
                "chat": {k: v for k, v in (item.get("chat") or {}).items() if k in _CHAT_KEYS},
                "extra": {
                    k: item["user"][k] for k in ("skip_phone_validate",) if item["user"].get(k)
                },
                "SUCCESS": True,
                "session": {"ID": chat["SESSION_ID"], "CHAT_ID": chat["CHAT_ID"]},
            }
        )
    return {"SUCCESS": True, "DATA": {"RESULT": results}}


@method("imconnector.send.status.delivery")
def delivered(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Mark operator messages as delivered to the client."""
    connector, line = _line_key(ctx, params)
    for item in param(params, "MESSAGES") or []:
        im_id = str((item.get("im") or {}).get("message_id") or "")
        for chat in ctx.portal.chats.values():
            for msg in chat["messages"]:
                if str(msg["ID"]) == im_id:
                    msg["DELIVERED"] = True
                    ext = (item.get("message") or {}).get("id") or ""
                    ext = ext[0] if isinstance(ext, list) and ext else ext
                    msg["EXTERNAL_ID"] = msg["EXTERNAL_ID"] or str(ext or "")
    return {"SUCCESS": True, "DATA": []}
