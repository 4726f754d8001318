"""HANDLERS: which flows run for which Chat2Desk hook type, with their Context wired in."""

from functools import cache

from flask import current_app

from .. import settings_store
from ..c2d_events import C2DEvent
from ..journal import Outcome
from ..models import Portal
from ..phrases import gettext as _
from ..phrases import join
from .context import Context


def _record_only(ctx: Context, event: C2DEvent) -> Outcome:
    return Outcome("done", _("Recorded %(hook)s; nothing to do for it.", hook=event.hook_type))


@cache
def _handlers() -> dict:
    """Built lazily so that each flow module stays importable on its own."""
    from . import dialog_close, notify, ol_routing, open_lines, robot, tags
    from .first_message import with_dialog

    return {
        "inbox": with_dialog(combine(notify.on_inbox, open_lines.on_inbox)),
        "outbox": open_lines.on_outbox,
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
    }


def settled(event: C2DEvent) -> Outcome | None:
    """The final outcome of an event that needs no flow (journaled done in one commit)."""
    handler = _handlers().get(event.hook_type)
    if handler is None:
        return _not_acted(event)
    return _record_only(None, event) if handler is _record_only else None


def _not_acted(event: C2DEvent) -> Outcome:
    return Outcome("ignored", _("The app does not act on '%(hook)s' events.", hook=event.hook_type))


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


def run_event(portal: Portal, event: C2DEvent) -> Outcome:
    """Dispatch one event; unknown hook types are journaled as ignored."""
    handler = _handlers().get(event.hook_type)
    if handler is None:
        return _not_acted(event)
    return handler(context_for(portal), event)


def connector_message(portal: Portal, event) -> tuple[dict, int]:
    """ONIMCONNECTORMESSAGEADD: an operator answered in the Open Line."""
    from . import open_lines

    return open_lines.on_operator_message(context_for(portal), event)
