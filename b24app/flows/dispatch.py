"""HANDLERS: which flows run for which event, with their Context wired in; and the two ways a
journal row gets run — in the web request when the portal's lane is free, else by the worker."""

import logging
from functools import cache

from flask import current_app
from flask_babel import force_locale

from .. import journal, portals, settings_store
from ..c2d_events import C2DEvent, MalformedEvent, parse
from ..events import B24Event
from ..extensions import db
from ..i18n import normalise
from ..journal import Outcome, lanes
from ..models import Journal, Portal
from ..phrases import gettext as _
from ..phrases import join
from .context import Context

log = logging.getLogger(__name__)
B24_EVENTS = ("ONIMCONNECTORMESSAGEADD",)
COALESCED = ("inbox", "dialog_transferred")  # notification batches: safe to run side by side
REQUEST_LEASE = 60.0  # a web request's hold on the lane (it lapses if the worker process dies)


def _record_only(ctx: Context, event: C2DEvent) -> Outcome:
    return Outcome("done", _("Recorded %(hook)s; nothing to do for it.", hook=event.hook_type))


@cache
def _handlers() -> dict:
    """Built lazily so that each flow module stays importable on its own."""
    from . import dialog_close, escalation, notify, ol_routing, open_lines, robot, tags
    from .first_message import with_dialog

    return {
        "inbox": with_dialog(combine(notify.on_inbox, open_lines.on_inbox, escalation.on_inbox)),
        "outbox": combine(open_lines.on_outbox, escalation.on_outbox),
        "new_request": _record_only,
        "close_dialog": dialog_close.on_close,
        "close_request": dialog_close.on_close,
        "dialog_transferred": combine(notify.on_transfer, ol_routing.on_transfer),
        "outbox_status": ol_routing.on_delivery_error,
        "add_tag_to_request": tags.on_tag_event,
        "delete_tag_from_request": tags.on_tag_event,
        "add_tag_to_client": tags.on_tag_event,
        "delete_tag_from_client": tags.on_tag_event,
        "client_updated": _record_only,
        "b24_robot": robot.on_robot,  # journaled by the robot handler, signed (robot_call.py)
        "b24_escalation": escalation.on_due,  # a scheduled row (escalation.py), signed
        "ONIMCONNECTORMESSAGEADD": open_lines.on_operator_message,
    }


def settled(event: C2DEvent) -> Outcome | None:
    """The final outcome of an event that needs no flow (journaled done in one commit)."""
    handler = _handlers().get(event.hook_type)
    if handler is None or event.hook_type in B24_EVENTS:
        return _not_acted(event)
    return _record_only(None, event) if handler is _record_only else None


def _not_acted(event) -> Outcome:
    hook = getattr(event, "hook_type", None) or getattr(event, "name", "")
    return Outcome("ignored", _("The app does not act on '%(hook)s' events.", hook=hook))


def combine(*flows):
    """Run several flows for one event; the journal gets every decision, in order."""

    def run(ctx: Context, event: C2DEvent) -> Outcome:
        outcomes = [flow(ctx, event) for flow in flows]
        status = "done" if any(o.status == "done" for o in outcomes) else outcomes[0].status
        return Outcome(
            status,
            join(" ", [o.decision for o in outcomes if o.decision]),
            entity=next((o.entity for o in outcomes if o.entity), None),
            channel=next((o.channel for o in outcomes if o.channel), None),
            notified=sum(o.notified for o in outcomes),
        )

    return run


def context_for(portal: Portal, **overrides) -> Context:
    return Context(
        portal=portal,
        settings=settings_store.load_all(portal),
        public_url=current_app.config["PUBLIC_URL"],
        write_grace=current_app.config["B24_WRITE_GRACE"],
        _overrides=overrides,
    )


def event_of(row: Journal):
    """The typed event a journal row holds."""
    if row.hook_type in B24_EVENTS:
        return B24Event.from_payload(row.payload or {})
    return parse(row.payload)


def run_event(portal: Portal, event, **overrides) -> Outcome:
    """Dispatch one event; unknown hook types are journaled as ignored."""
    handler = _handlers().get(getattr(event, "hook_type", None) or getattr(event, "name", ""))
    if handler is None:
        return _not_acted(event)
    return handler(context_for(portal, **overrides), event)


def run_row(portal: Portal | None, row: Journal, **overrides):
    """One row's result for the journal: an Outcome, or the exception that stopped it."""
    if portal is None or not portal.active:
        return Outcome("ignored", _("The portal uninstalled the application."))
    try:
        event = event_of(row)
    except MalformedEvent as exc:
        return Outcome("ignored", _("The stored event cannot be read: %(why)s", why=str(exc)))
    try:
        return run_event(portal, event, **overrides)
    except Exception as exc:  # noqa: BLE001 - every failure is journaled, never lost
        db.session.rollback()
        if not journal.transient(exc):
            log.warning("journal row %s: %s", row.id, journal.describe(exc))
        return exc


def handle_rows(portal_id: int, rows: list[Journal]) -> list[tuple[int, object]]:
    """The worker's hand-over: run a portal's rows (in order), return each one's result."""
    from .coalesce import run_coalesced

    portal = db.session.get(Portal, portal_id)
    with force_locale(normalise(portal.lang if portal else None)):
        if len(rows) == 1 or portal is None or not portal.active:
            return _in_order(portal, rows)
        if all(row.hook_type in COALESCED for row in rows):
            return run_coalesced(portal, rows)
        return _in_order(portal, rows)


def _in_order(portal, rows: list, **overrides) -> list[tuple[int, object]]:
    """Rows one after another; after a failure the rows of the same dialog wait (order)."""
    out, stopped = [], set()
    for row in rows:
        if row.dialog_id and row.dialog_id in stopped:
            out.append((row.id, None))
            continue
        result = run_row(portal, row, **overrides)
        if isinstance(result, Exception) and row.dialog_id:
            stopped.add(row.dialog_id)
        out.append((row.id, result))
    return out


def busy(portal: Portal, cost: int = 2) -> bool:
    """Read before journaling: the portal's lane is taken or its rate limit has no room now,
    so the event will wait in the queue (journaled due at once, one commit)."""
    return lanes.busy(portal.id) or not portals.has_room(portal.id, cost)


def intake(portal: Portal, row: Journal, cost: int = 2) -> dict:
    """A freshly journaled row: run it in this request when the portal's lane is free, nothing
    earlier waits and the rate limit has room now; else it stays queued for the worker.
    Returns the answer's JSON (always 200: the app owns the retry)."""
    owner = journal.owner_id()
    if row.status == "queued" and row.next_attempt_at and row.next_attempt_at <= row.created_at:
        return journal.answer(row)  # journaled due at once: the worker's
    free = not journal.queue.waiting_before(portal.id, row) and portals.has_room(portal.id, cost)
    if not free or not lanes.take(portal.id, owner, REQUEST_LEASE):
        journal.queue_now(row.id)
        return journal.answer(row)
    try:
        if journal.start(row.id, owner, REQUEST_LEASE):
            journal.settle([(row.id, run_row(portal, db.session.get(Journal, row.id)))])
    finally:
        lanes.release(portal.id, owner)
    db.session.refresh(row)
    return journal.answer(row)


def register() -> None:
    """Hand the journal its dispatcher and the worker's periodic upkeep."""
    from ..webhook_watch import watch_all

    journal.use(
        handle_rows,
        periodic=[("webhooks", lambda: current_app.config["WEBHOOK_CHECK_SECONDS"], watch_all)],
    )
