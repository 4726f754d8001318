"""HANDLERS: which flow runs for which Chat2Desk hook type, with collaborators wired in."""

from datetime import UTC, datetime

from ..c2d_events import C2DEvent
from ..extensions import db
from ..journal import Outcome
from ..models import Portal


def _record_only(portal: Portal, event: C2DEvent) -> Outcome:
    return Outcome("done", f"Recorded {event.hook_type}; no action is configured for it.")


HANDLERS = {
    "inbox": _record_only,
    "outbox": _record_only,
    "new_request": _record_only,
    "close_dialog": _record_only,
    "close_request": _record_only,
    "dialog_transferred": _record_only,
    "add_tag_to_request": _record_only,
    "delete_tag_from_request": _record_only,
    "add_tag_to_client": _record_only,
    "delete_tag_from_client": _record_only,
    "client_updated": _record_only,
}


def run_event(portal: Portal, event: C2DEvent) -> Outcome:
    """Dispatch one event; unknown hook types are journaled as ignored."""
    if portal.connection is not None:
        portal.connection.last_event_at = datetime.now(UTC)
        db.session.commit()
    handler = HANDLERS.get(event.hook_type)
    if handler is None:
        return Outcome("ignored", f"The app does not act on '{event.hook_type}' events.")
    return handler(portal, event)


def connector_message(portal: Portal, event) -> tuple[dict, int]:
    """ONIMCONNECTORMESSAGEADD: an operator answered in the Open Line (Open Lines flow)."""
    return {"ok": True, "done": "ignored", "reason": "Open Lines relay is not enabled"}, 200
