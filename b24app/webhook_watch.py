"""The webhook stays on: the worker looks at our Chat2Desk webhook every few minutes; when
Chat2Desk has disabled it (it does so after repeated failed deliveries, CONTRACT §8 "webhook
re-enabled"), it re-enables it and catches up what was missed, through the journal and the same
exactly-once keys as the webhooks themselves."""

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from . import journal
from .c2d_events import MalformedEvent, parse
from .clients.chat2desk import Chat2DeskError
from .connection import _ours, client_for, ensure_webhook
from .extensions import db
from .i18n import normalise
from .models import Connection, Portal

log = logging.getLogger(__name__)
CATCH_UP_MAX = 2000  # messages read back at most per catch-up (newest first)
CATCH_UP_MARGIN = timedelta(minutes=5)  # read a little before the last event (clock skew)


def watch_all() -> int:
    """Check every connection that is due; returns how many were re-enabled."""
    every = timedelta(seconds=current_app.config["WEBHOOK_CHECK_SECONDS"])
    due = datetime.now(UTC) - every
    ids = db.session.execute(
        select(Connection.id)
        .join(Portal, Portal.id == Connection.portal_id)
        .where(Portal.status == "active", Connection.webhook_id.is_not(None))
        .where(or_(Connection.webhook_checked_at.is_(None), Connection.webhook_checked_at < due))
    ).scalars()
    ids = list(ids)
    return sum(1 for cid in ids if _claim(cid, due) and check(db.session.get(Connection, cid)))


def _claim(connection_id: int, due: datetime) -> bool:
    """Only one worker checks a connection per period."""
    result = db.session.execute(
        update(Connection)
        .where(Connection.id == connection_id)
        .where(or_(Connection.webhook_checked_at.is_(None), Connection.webhook_checked_at < due))
        .values(webhook_checked_at=datetime.now(UTC))
    )
    db.session.commit()
    return result.rowcount == 1


def check(connection: Connection) -> bool:
    """Re-enable our webhook when Chat2Desk disabled it, then catch up; True when it did."""
    with force_locale(normalise(connection.portal.lang)):
        try:
            hooks = client_for(connection).webhooks() or []
        except Chat2DeskError as exc:
            log.info("webhook check of portal %s failed: %s", connection.portal_id, exc)
            return False
        mine = [h for h in hooks if _ours(h, connection)]
        if mine and all(h.get("status") != "disable" for h in mine):
            return False
        since = connection.last_event_at or connection.connected_at
        message = ensure_webhook(connection)
        queued = catch_up(connection, since - CATCH_UP_MARGIN)
        now_text, since_text = f"{datetime.now(UTC):%Y-%m-%d %H:%M}", f"{since:%Y-%m-%d %H:%M}"
        connection.webhook_note = _(
            "%(when)s UTC: Chat2Desk had disabled the app's webhook. %(what)s "
            "%(count)s missed event(s) since %(since)s UTC were caught up.",
            when=now_text,
            what=message,
            count=queued,
            since=since_text,
        )
        db.session.commit()
        log.warning("portal %s: webhook re-enabled, %s caught up", connection.portal_id, queued)
        return True


def catch_up(connection: Connection, since: datetime) -> int:
    """Journal the messages (and the closes they reveal) since `since` that never came: each
    under the key its webhook would have had, so a late delivery stays a duplicate."""
    client, portal = client_for(connection), connection.portal
    hooks, closed = [], set()
    for msg in _messages_since(client, since):
        hook = as_hook(msg)
        if hook:
            hooks.append(hook)
    queued = 0
    for payload in reversed(hooks):  # oldest first: the queue keeps each dialog's order
        queued += _journal(portal, payload)
        closed.add(payload.get("dialog_id"))
    for dialog_id in sorted(d for d in closed if d):
        queued += _close_if_closed(client, portal, dialog_id, since)
    return queued


def _messages_since(client, since: datetime):
    offset = 0
    while offset < CATCH_UP_MAX:
        page = client.recent_messages(limit=200, offset=offset)
        if not page:
            return
        for msg in page:
            if _time(msg.get("created")) < since:
                return
            yield msg
        offset += len(page)


def _time(value) -> datetime:
    from .flows.ol_messages import unix_time

    return datetime.fromtimestamp(unix_time(value), UTC)


def as_hook(msg: dict) -> dict | None:
    """A message read back from `GET /messages` as the `inbox`/`outbox` webhook it would have
    been (reference/chat2desk.md: message fields; CONTRACT §6 keys `hook_type:message_id`)."""
    kind = str(msg.get("type") or "")
    hook_type = {"from_client": "inbox", "to_client": "outbox"}.get(kind)
    if hook_type is None or not msg.get("id"):
        return None
    return {
        "hook_type": hook_type,
        "message_id": msg.get("id"),
        "dialog_id": msg.get("dialog_id"),
        "client_id": msg.get("client_id"),
        "request_id": msg.get("request_id"),
        "channel_id": msg.get("channel_id"),
        "operator_id": msg.get("operator_id"),
        "text": msg.get("text") or "",
        "type": kind,
        "transport": msg.get("transport"),
        "attachments": msg.get("attachments") or [],
        "extra_data": msg.get("extra_data") or {},
        "client": {"id": msg.get("client_id")},
        "event_time": msg.get("created"),
        "caught_up": True,
    }


def _journal(portal: Portal, payload: dict) -> int:
    try:
        event = parse(payload)
    except MalformedEvent:
        return 0
    row, new = journal.record(portal, event)
    if new:
        journal.queue_now(row.id)  # no request runs it: the worker's, at once
    return 1 if new else 0


def _close_if_closed(client, portal: Portal, dialog_id, since: datetime) -> int:
    try:
        dialog = client.dialog(dialog_id) or {}
    except Chat2DeskError:
        return 0
    if str(dialog.get("state") or "") != "closed" or not dialog.get("end"):
        return 0
    if _time(dialog.get("end")) < since:
        return 0
    payload = {
        "hook_type": "close_dialog",
        "dialog_id": dialog_id,
        "request_id": dialog.get("last_request_id"),
        "operator_id": dialog.get("operator_id"),
        "event_time": str(dialog.get("end")),
        "caught_up": True,
    }
    return _journal(portal, payload)
