"""Escalation (`escalate_minutes`, Operators tab; CONTRACT §8): an `inbox` that reached
Bitrix24 starts the clock as a scheduled journal row — not a timer in memory, so it survives
restarts; an `outbox` of the dialog (a reply from Chat2Desk or from the Open Line) cancels it;
when it comes due unanswered, the next step of the recipient chain (operator → supervisors →
admins) is notified once, with the same content settings."""

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ..extensions import db
from ..journal import Outcome
from ..models import Journal
from ..phrases import encode, ngettext
from ..phrases import gettext as _
from . import notify, tags

HOOK = "b24_escalation"
ANSWERED = "esc_answered"  # dialog id → the latest answer's time (data.at)


def minutes(ctx) -> int:
    try:
        return max(0, int(ctx.settings.get("operators", {}).get("escalate_minutes") or 0))
    except (TypeError, ValueError):
        return 0


def _signature(member_id: str, key: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"escalation:{member_id}:{key}".encode(), hashlib.sha256).hexdigest()


def _reached(ctx, event) -> bool:
    """The inbox reached Bitrix24: notified or relayed to an Open Line, and not filtered."""
    from .open_lines import line_id

    common = ctx.settings.get("common", {})
    if not (common.get("notify_incoming") or line_id(ctx)):
        return False
    return tags.allowed(ctx, event.request_id, event.client_id)[0]


def on_inbox(ctx, event) -> Outcome:
    """Start the clock: one scheduled row per unanswered client message of a dialog."""
    wait = minutes(ctx)
    if not wait or event.message_type not in notify.CLIENT_TYPES or not event.dialog_id:
        return Outcome("ignored", "")
    if not _reached(ctx, event):
        return Outcome("ignored", "")
    from ..journal import schedule

    payload = {
        **event.payload,
        "hook_type": HOOK,
        "inbox_key": event.key,
        "minutes": wait,
        "started_at": time.time(),
        "signature": _signature(ctx.portal.member_id, event.key),
    }
    at = datetime.now(UTC) + timedelta(minutes=wait)
    schedule(
        ctx.portal.id,
        f"{HOOK}:{event.key}"[:255],
        HOOK,
        payload,
        at,
        dialog_id=event.dialog_id,
        request_id=event.request_id,
        client_id=event.client_id,
    )
    return Outcome(
        "done",
        ngettext(
            "Unless someone answers within %(num)d minute, the next step of the recipient "
            "chain is notified.",
            "Unless someone answers within %(num)d minutes, the next step of the recipient "
            "chain is notified.",
            wait,
        ),
    )


def on_outbox(ctx, event) -> Outcome:
    """An answer to the client (typed in Chat2Desk or given in the Open Line) stops the clock."""
    if (event.message_type or "to_client") != "to_client" or not event.dialog_id:
        return Outcome("ignored", "")
    ctx.records.forget(ANSWERED, event.dialog_id)
    ctx.records.put(ANSWERED, event.dialog_id, event.message_id or "", {"at": time.time()})
    words = _("Escalation cancelled: the client got an answer.")
    cancelled = db.session.execute(
        update(Journal)
        .where(
            Journal.portal_id == ctx.portal.id,
            Journal.hook_type == HOOK,
            Journal.dialog_id == str(event.dialog_id),
            Journal.status == "queued",
        )
        .values(
            status="done",
            decision=str(words),
            decision_data=encode(words),
            next_attempt_at=None,
            updated_at=datetime.now(UTC),
        )
    ).rowcount
    db.session.commit()
    if not cancelled:
        return Outcome("ignored", "")
    return Outcome("done", _("The answer cancelled the waiting escalation."))


def _answered_since(ctx, dialog_id, started_at: float) -> bool:
    row = ctx.records.get(ANSWERED, dialog_id)
    return row is not None and float((row.data or {}).get("at") or 0) >= started_at


def next_step(ctx, operator_id) -> tuple[list[int], str]:
    """Who comes after those the message notified: supervisors after the operator, admins after
    the supervisors, nobody after the admins."""
    supervisors = ctx.c2d_lists.supervisors() if ctx.c2d_lists else []
    heads = notify._unique(notify.mapped_user(ctx, s) for s in supervisors)
    portal = ctx.portal
    admins = notify._unique([portal.installer_user_id, *(portal.admin_user_ids or [])])
    first = notify.mapped_user(ctx, operator_id)
    if first:
        ahead = [u for u in heads if u != first]
        if ahead:
            return ahead, _("the operator's user did not answer, so the supervisors")
        return [u for u in admins if u != first], _(
            "the operator's user did not answer and no supervisor is mapped, so the admins"
        )
    if heads:
        return [u for u in admins if u not in heads], _(
            "the supervisors did not answer, so the admins"
        )
    return [], _("the admins were notified already; there is no further step")


class NotDueError(Exception):
    """Run early (`journal retry`, the Retry button): back in the queue until its time."""

    transient = True

    def __init__(self, at: datetime):
        super().__init__(f"escalation due at {at.isoformat()}")
        self.retry_at = at


def on_due(ctx, event) -> Outcome:
    """The clock ran out: notify the next step once, unless an answer came meanwhile."""
    payload = event.payload
    key = str(payload.get("inbox_key") or "")
    expected = _signature(ctx.portal.member_id, key)
    if not key or not hmac.compare_digest(expected, str(payload.get("signature") or "")):
        return Outcome("ignored", _("An escalation not scheduled by this app; nothing sent."))
    due = float(payload.get("started_at") or 0) + 60 * int(payload.get("minutes") or 0)
    if time.time() < due - 1 and not _answered_since(ctx, event.dialog_id, due - 1e9):
        raise NotDueError(datetime.fromtimestamp(due, UTC))
    if _answered_since(ctx, event.dialog_id, float(payload.get("started_at") or 0)):
        return Outcome("done", _("Escalation cancelled: the client got an answer."))
    users, why = next_step(ctx, event.operator_id)
    if not users:
        return Outcome("done", _("Escalation: nobody to notify (%(why)s).", why=why))
    wait = int(payload.get("minutes") or 0)
    head = ngettext("No answer for %(num)d minute", "No answer for %(num)d minutes", wait)
    links = ctx.settings.get("operators", {}).get("show_entity_links")
    entities = notify.entity_links(ctx, event) if links else []

    def build(uid):
        return f"[b]{head}[/b]\n" + notify.inbox_message(ctx, event, uid, entities)

    return notify._deliver(ctx, event, users, why, build)
