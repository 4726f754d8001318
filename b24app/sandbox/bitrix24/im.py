"""IM methods: system/personal notifications and chat bots (v1)."""

from __future__ import annotations

from typing import Any

from .envelope import ApiError, now_iso, param
from .registry import Ctx, method


def _notify(ctx: Ctx, params: dict[str, Any], kind: str) -> int | bool:
    """Store a notification for a user; False for an unknown user."""
    user_id = param(params, "USER_ID")
    if user_id in (None, ""):
        raise ApiError(400, "USER_ID_EMPTY", "Recipient user ID is empty")
    message = param(params, "MESSAGE")
    if not message:
        raise ApiError(400, "MESSAGE_EMPTY", "Message text is empty")
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return False
    if uid not in ctx.portal.users:
        return False
    tag = param(params, "TAG") or ""
    if tag:
        # "When adding a notification with an existing tag, other notifications will be removed"
        # — whoever received them (api-reference/chats/notifications/im-notify-system-add.md).
        ctx.portal.notifications[:] = [n for n in ctx.portal.notifications if n["TAG"] != tag]
    nid = ctx.portal.next_id("notification")
    ctx.portal.notifications.append(
        {
            "ID": nid,
            "TYPE": kind,
            "USER_ID": uid,
            "FROM_USER_ID": ctx.user_id,
            "MESSAGE": str(message),
            "MESSAGE_OUT": param(params, "MESSAGE_OUT") or "",
            "TAG": tag,
            "SUB_TAG": param(params, "SUB_TAG") or "",
            "DATE": now_iso(),
            "ATTACH": param(params, "ATTACH") or None,
        }
    )
    return nid


@method("im.notify.system.add")
def notify_system(ctx: Ctx, params: dict[str, Any]) -> int | bool:
    """System notification from the app."""
    return _notify(ctx, params, "system")


@method("im.notify.personal.add")
def notify_personal(ctx: Ctx, params: dict[str, Any]) -> int | bool:
    """Personal notification from the token owner."""
    return _notify(ctx, params, "personal")


@method("imbot.register")
def bot_register(ctx: Ctx, params: dict[str, Any]) -> int:
    """Register a bot; the same CODE returns the existing BOT_ID."""
    code = str(param(params, "CODE") or "")
    if not code:
        raise ApiError(400, "CODE_ERROR", "Bot code isn't specified")
    props = param(params, "PROPERTIES") or {}
    if not (props.get("NAME") or props.get("LAST_NAME")):
        raise ApiError(400, "NAME_ERROR", "Bot name isn't specified")
    ctx.portal.bot_register_calls.append(code)
    for bot_id, bot in ctx.portal.bots.items():
        if bot["CODE"] == code:
            return bot_id
    bot_id = 1000 + ctx.portal.next_id("bot")
    ctx.portal.bots[bot_id] = {
        "ID": bot_id,
        "CODE": code,
        "PROPERTIES": props,
        "TYPE": param(params, "TYPE") or "B",
        "OPENLINE": param(params, "OPENLINE") or "N",
        "EVENT_HANDLER": param(params, "EVENT_HANDLER") or "",
    }
    return bot_id


@method("imbot.unregister")
def bot_unregister(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Remove a bot."""
    try:
        bot_id = int(param(params, "BOT_ID"))
    except (TypeError, ValueError):
        bot_id = 0
    if ctx.portal.bots.pop(bot_id, None) is None:
        raise ApiError(400, "BOT_ID_ERROR", "Bot not found")
    return True


@method("imbot.message.add")
def bot_message(ctx: Ctx, params: dict[str, Any]) -> int:
    """A bot message to a user dialog (or chatN)."""
    bots = ctx.portal.bots
    raw = param(params, "BOT_ID")
    bot_id = int(raw) if str(raw or "").isdigit() else (min(bots) if bots else 0)
    if bot_id not in bots:
        raise ApiError(400, "BOT_ID_ERROR", "Bot not found")
    dialog = str(param(params, "DIALOG_ID") or "")
    if not dialog:
        raise ApiError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    message = param(params, "MESSAGE")
    if not message:
        raise ApiError(400, "MESSAGE_EMPTY", "Message can't be empty")
    mid = ctx.portal.next_id("im_message")
    ctx.portal.bot_messages.append(
        {
            "ID": mid,
            "BOT_ID": bot_id,
            "DIALOG_ID": dialog,
            "MESSAGE": str(message),
            "USER_ID": int(dialog) if dialog.isdigit() else None,
            "DATE": now_iso(),
            "ATTACH": param(params, "ATTACH") or None,
            "KEYBOARD": param(params, "KEYBOARD") or None,
        }
    )
    return mid
