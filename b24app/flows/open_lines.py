"""Open Lines relay through the app's own connector, both ways (issue 7)."""

import hashlib
import uuid
from datetime import UTC, datetime

from ..clients.bitrix24 import ArgumentError
from ..clients.chat2desk import Chat2DeskError
from ..connector import CONNECTOR_ID
from ..journal import Outcome
from ..phrases import gettext as _
from ..phrases import ngettext
from . import ol_messages as om
from . import ol_routing
from .first_message import require_dialog

KIND_MSG = "ol_msg"  # Chat2Desk message id → relayed into the line (exactly once)
KIND_CHAT = "ol_chat"  # Chat2Desk dialog id → Open Lines chat; data: client, channel, line
KIND_REPLY = "ol_reply"  # Bitrix24 message id of an operator answer → Chat2Desk message id
KIND_OWN = "ol_own"  # Chat2Desk message id of an answer we sent → Bitrix24 message id
KIND_CONFIRMED = "ol_confirmed"  # Bitrix24 message id whose delivery status the line got
KIND_PENDING = "ol_pending"  # an answer being sent, until Chat2Desk tells its message id


def line_id(ctx) -> str:
    """The chosen line when the relay is on, else ''."""
    common = ctx.settings.get("common", {})
    return str(common.get("openline_id") or "") if common.get("openlines_enabled") else ""


def _allowed(ctx, event) -> tuple[bool, str]:
    """The tag filter (tags.allowed); everything passes until it exists."""
    from . import tags

    check = getattr(tags, "allowed", None)
    if check is None:
        return True, ""
    return check(ctx, event.request_id, event.client_id)


def _claim(ctx, kind: str, key: str, data: dict | None = None) -> bool:
    """Insert the record first; only the worker whose token landed does the work."""
    if ctx.records.get(kind, key) is not None:
        return False
    token = "pending:" + uuid.uuid4().hex
    ctx.records.put(kind, key, token, data)
    row = ctx.records.get(kind, key)
    return row is not None and row.remote_id == token


def on_inbox(ctx, event) -> Outcome:
    """A client wrote: relay the message into the Open Line."""
    if not line_id(ctx):
        return Outcome("ignored", "")
    if ol_routing.hold(ctx, event):
        return Outcome("done", _("Held for the Open Line until Chat2Desk assigns an operator."))
    return _relay_event(ctx, event, operator_side=False)


def on_outbox(ctx, event) -> Outcome:
    """An answer went to the client: ours is not relayed again; one typed in Chat2Desk is."""
    if _ours(ctx, event):
        return Outcome("ignored", _("Our own reply from the Open Line; not relayed again."))
    if not line_id(ctx):
        return Outcome("ignored", _("Open Lines relay is off."))
    if (event.message_type or "to_client") != "to_client":
        return Outcome("ignored", _("Only operator replies are relayed to the Open Line."))
    return _relay_event(ctx, event, operator_side=True)


def _relay_event(ctx, event, *, operator_side: bool) -> Outcome:
    if event.message_id and event.client_id and event.request_id:
        require_dialog(event)
    if not (event.message_id and event.dialog_id and event.client_id):
        return Outcome(
            "ignored",
            _("Not relayed to the Open Line: the message has no dialog, client or message id."),
        )
    ok, reason = _allowed(ctx, event)
    if not ok:
        return Outcome("filtered", _("Not relayed to the Open Line: %(why)s.", why=reason))
    msg = ol_routing.signed(
        ctx, om.from_webhook(event, operator_side=operator_side), event.operator_id
    )
    payload = event.payload
    client = payload.get("client") if isinstance(payload.get("client"), dict) else None
    route = {"channel_id": event.channel_id, "transport": payload.get("transport")}
    waiting = [om.from_webhook(e) for e in ol_routing.held(ctx, event.dialog_id)]
    sent = relay(ctx, [*waiting, *_earlier_failed(ctx, event), msg], client=client, route=route)
    ol_routing.release(ctx, event.dialog_id)
    if not sent:
        return Outcome("ignored", _("Already relayed to the Open Line."))
    line = ol_routing.line_for(ctx, event.channel_id)
    return Outcome("done", _("Relayed to Open Line %(line)s.", line=line))


def _earlier_failed(ctx, event) -> list:
    """Messages of this dialog that failed to relay before this one: they go first, in order
    (their own retries then find them relayed)."""
    earlier = []
    for past in ctx.failed_events(event.dialog_id, ("inbox", "outbox"), event.key):
        if not (past.message_id and past.client_id) or (
            past.hook_type == "outbox"
            and (_ours(ctx, past) or (past.message_type or "to_client") != "to_client")
        ):
            continue
        if _allowed(ctx, past)[0]:
            earlier.append(om.from_webhook(past, operator_side=past.hook_type == "outbox"))
    return earlier


def relay(ctx, messages: list, client: dict | None = None, route: dict | None = None) -> int:
    """Send the messages not yet relayed, in the given order, in one call; returns how many."""
    fresh = [m for m in messages if _claim(ctx, KIND_MSG, m.id, {"dialog_id": m.dialog_id})]
    if not fresh:
        return 0
    line = ol_routing.line_for(ctx, (route or {}).get("channel_id"))
    try:
        card = client if client and client.get("name") else _card(ctx, fresh[0].client_id)
        sign = bool(ctx.settings.get("common", {}).get("sign_group_phone"))
        items = [om.connector_item(m, card, sign) for m in fresh]
        result = ctx.b24.call(
            "imconnector.send.messages",
            {"CONNECTOR": CONNECTOR_ID, "LINE": line, "MESSAGES": items},
        )
        chat_id = _check(result)
    except Exception:
        for msg in fresh:
            ctx.records.forget(KIND_MSG, msg.id)
        raise
    for dialog_id, client_id in dict.fromkeys((m.dialog_id, m.client_id) for m in fresh):
        if ctx.records.get(KIND_CHAT, dialog_id) is None:
            ctx.records.put(
                KIND_CHAT,
                dialog_id,
                chat_id or "",
                {"client_id": client_id, "line": line, **(route or {})},
            )
    return len(fresh)


def _card(ctx, client_id: str) -> dict:
    """The client card for name and phone; a bare id when Chat2Desk cannot tell."""
    try:
        return ctx.c2d.client(client_id) or {"id": client_id}
    except Chat2DeskError as exc:
        if getattr(exc, "transient", False):
            raise
        return {"id": client_id}


def _check(result) -> str:
    """Raise when Bitrix24 refused an item; return the Open Lines chat id."""
    result = result if isinstance(result, dict) else {}
    rows = (result.get("DATA") or {}).get("RESULT") or []
    failed = [r for r in rows if isinstance(r, dict) and r.get("SUCCESS") is False]
    if result.get("SUCCESS") is False or failed:
        why = (failed[0].get("ERRORS") if failed else None) or result.get("ERRORS") or "refused"
        raise ArgumentError("IMCONNECTOR_SEND_FAILED", str(why), method="imconnector.send.messages")
    session = (rows[0].get("session") or {}) if rows and isinstance(rows[0], dict) else {}
    return str(session.get("CHAT_ID") or "")


def _pending_key(client_id, text, attachment=None) -> str:
    digest = hashlib.sha256(f"{text or ''}\n{attachment or ''}".encode()).hexdigest()[:32]
    return f"{client_id}:{digest}"


def _ours(ctx, event) -> bool:
    """An outbox for an answer the app itself sent from the Open Line."""
    if event.message_id and ctx.records.get(KIND_OWN, event.message_id) is not None:
        return True
    files = om.files_of(event.payload)
    attachment = files[0]["url"] if files and not event.text else None
    return (
        ctx.records.get(KIND_PENDING, _pending_key(event.client_id, event.text, attachment))
        is not None
    )


def on_operator_message(ctx, event) -> Outcome:
    """ONIMCONNECTORMESSAGEADD (journaled first): send the operator's answer to the Chat2Desk
    client. A remote failure raises, so the journal retries it on its schedule (Bitrix24 never
    redelivers); each message is sent once (KIND_REPLY), so a retry sends only what is left."""
    data = event.data
    if str(data.get("CONNECTOR") or "") != CONNECTOR_ID:
        return Outcome("ignored", _("Not the app's Open Lines connector."))
    if ctx.portal.connection is None:
        return Outcome("ignored", _("Chat2Desk is not connected."))
    sent = 0
    for item in om.as_list(data.get("MESSAGES")):
        sent += _answer(ctx, str(data.get("LINE") or ""), item if isinstance(item, dict) else {})
    if not sent:
        return Outcome("ignored", _("No new message for a chat the app relayed."))
    return Outcome(
        "done",
        ngettext(
            "%(num)d operator answer sent to the Chat2Desk client.",
            "%(num)d operator answers sent to the Chat2Desk client.",
            sent,
        ),
    )


def _answer(ctx, line: str, item: dict) -> int:
    """One operator message: send it once, then confirm delivery in the line once; a retry
    after a failed confirmation only confirms."""
    im = item.get("im") if isinstance(item.get("im"), dict) else {}
    dialog_id = str((item.get("chat") or {}).get("id") or "")
    chat = ctx.records.get(KIND_CHAT, dialog_id) if dialog_id else None
    b24_id = str(im.get("message_id") or "")
    if chat is None or not b24_id:
        return 0
    reply = ctx.records.get(KIND_REPLY, b24_id)
    if reply is not None and "ids" not in (reply.data or {}):
        return 0  # sent before the delivery status was kept (or being sent right now)
    sent = 0
    if reply is None:
        if not _claim(ctx, KIND_REPLY, b24_id):
            return 0
        ids = _send_reply(ctx, chat, item, b24_id)
        ctx.records.touch(KIND_REPLY, b24_id, {"ids": ids})
        sent = 1
    else:
        ids = reply.data["ids"]
    if ctx.records.get(KIND_CONFIRMED, b24_id) is None:
        _confirm(ctx, line or (chat.data or {}).get("line", ""), im, ids, dialog_id)
        ctx.records.put(KIND_CONFIRMED, b24_id, "1")
    return sent


def _send_reply(ctx, chat, item: dict, b24_id: str) -> list[str]:
    message = item.get("message") if isinstance(item.get("message"), dict) else {}
    try:
        route = chat.data or {}
        return send_to_client(
            ctx,
            route.get("client_id"),
            om.operator_text(message.get("text")),
            route,
            _operator_files(message.get("files")),
            ref=b24_id,
            operator_id=ol_routing.credited_operator(ctx, message.get("user_id")),
        )
    except Exception:
        ctx.records.forget(KIND_REPLY, b24_id)
        raise


def _operator_files(files) -> list[dict]:
    out = []
    for f in om.as_list(files):
        if isinstance(f, dict):
            url = f.get("link") or f.get("url") or f.get("downloadLink") or f.get("urlDownload")
            if url:
                out.append({"url": str(url), "name": str(f.get("name") or "")})
    return out


def send_to_client(
    ctx, client_id, text: str, route: dict, files=(), ref: str = "", operator_id=None
) -> list[str]:
    """POST /messages for the text and each file (as the mapped operator of the Bitrix24 user
    who answered, when there is one); our outbox echoes are marked as ours."""
    parts = [(text, None, None)] if text else []
    parts += [("", f["url"], f.get("name") or None) for f in files]
    ids = []
    for body, url, name in parts:
        key = _pending_key(client_id, body, url if not body else None)
        ctx.records.put(KIND_PENDING, key, ref or "1")
        try:
            res = ctx.c2d.send_message(
                client_id,
                body or None,
                attachment=url,
                attachment_filename=name,
                channel_id=route.get("channel_id"),
                transport=route.get("transport"),
                operator_id=operator_id,
            )
            mid = str((res or {}).get("message_id") or "")
            if mid:
                ctx.records.put(KIND_OWN, mid, ref or "1")
                ids.append(mid)
        finally:
            ctx.records.forget(KIND_PENDING, key)
    return ids


def _confirm(ctx, line: str, im: dict, ids: list, dialog_id: str) -> None:
    """imconnector.send.status.delivery: the operator sees the answer as delivered."""
    ctx.b24.call(
        "imconnector.send.status.delivery",
        {
            "CONNECTOR": CONNECTOR_ID,
            "LINE": line,
            "MESSAGES": [
                {
                    "im": {"chat_id": im.get("chat_id"), "message_id": im.get("message_id")},
                    "message": {"id": ids, "date": int(datetime.now(UTC).timestamp())},
                    "chat": {"id": dialog_id},
                }
            ],
        },
    )


def send_previous(ctx, request_id) -> Outcome:
    """After tagging: relay the request's earlier messages in order, each exactly once."""
    tags = ctx.settings.get("tags", {})
    if not line_id(ctx) or not tags.get("send_previous_on_tag") or not request_id:
        return Outcome("ignored", "")
    rows = [r for r in ctx.c2d.request_messages(request_id) or [] if isinstance(r, dict)]
    rows = [
        r
        for r in rows
        if str(r.get("type")) in ("in", "out", "from_client", "to_client")
        and ctx.records.get(KIND_OWN, str(r.get("id"))) is None
    ]
    rows.sort(key=lambda r: (om.unix_time(r.get("created")), str(r.get("id")).zfill(20)))
    if not rows:
        return Outcome("ignored", "")
    client_id = str(rows[0].get("clientID") or "")
    messages = [om.from_request_row(r, "", client_id) for r in rows]
    messages = [m for m in messages if m.dialog_id and m.client_id and m.id]
    count = relay(
        ctx,
        messages,
        route={"channel_id": rows[0].get("channelID"), "transport": rows[0].get("transport")},
    )
    if not count:
        return Outcome("ignored", _("Earlier messages were already in the Open Line."))
    return Outcome(
        "done",
        ngettext(
            "%(num)d earlier message relayed to the Open Line.",
            "%(num)d earlier messages relayed to the Open Line.",
            count,
        ),
    )
