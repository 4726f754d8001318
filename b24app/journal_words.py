"""How the journal reads to an admin: events and statuses in words, decisions in the reader's
language, times with their zone. Used by the journal page, its CSV export and the CLI."""

from datetime import UTC, datetime

from flask_babel import gettext as _

from .phrases import render


def event_label(hook_type: str) -> str:
    """A Chat2Desk hook type in words; an unknown one stays as Chat2Desk named it."""
    labels = {
        "inbox": _("Incoming message"),
        "outbox": _("Outgoing message"),
        "outbox_status": _("Delivery status"),
        "comment": _("Comment"),
        "imported_message": _("Imported message"),
        "system_message": _("System message"),
        "new_client": _("New client"),
        "client_updated": _("Client updated"),
        "new_request": _("New request"),
        "close_request": _("Request closed"),
        "close_dialog": _("Dialog closed"),
        "dialog_transferred": _("Dialog transferred"),
        "add_tag_to_client": _("Tag added to client"),
        "delete_tag_from_client": _("Tag removed from client"),
        "add_tag_to_request": _("Tag added to request"),
        "delete_tag_from_request": _("Tag removed from request"),
        "client_added_to_blacklist": _("Client blacklisted"),
        "operator_status_updated": _("Operator status changed"),
        "ONIMCONNECTORMESSAGEADD": _("Reply from the Open Line"),
    }
    return labels.get(hook_type, hook_type)


def status_labels() -> dict[str, str]:
    return {
        "queued": _("Queued"),
        "processing": _("Processing"),
        "retrying": _("Retrying"),
        "done": _("Done"),
        "filtered": _("Filtered"),
        "ignored": _("Ignored"),
        "failed": _("Failed"),
    }


def status_label(status) -> str:
    return status_labels().get(str(status), str(status))


def decision_text(row) -> str:
    """The decision in the reader's language; rows older than phrases keep their text."""
    return render(row.decision_data) if row.decision_data else (row.decision or "")


def error_text(row) -> str:
    return render(row.error_data) if row.error_data else (row.error or "")


def as_utc(moment: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite and Postgres `timestamp` hand them back naive."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str:
    """For `<time datetime>`: the browser shows it in the user's own zone (app.js)."""
    moment = as_utc(moment)
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def shown(moment: datetime | None) -> str:
    """The time as the page shows it before the script localises it: UTC, zone named."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def channel_label(portal, channel_id) -> str:
    """A Chat2Desk channel by name when the cached lists know it, else by its id."""
    from .choices import channel_name

    if channel_id is None:
        return _("Unknown channel")
    name = channel_name(portal.id, channel_id)
    return f"{name} (#{channel_id})" if name else _("Channel %(id)s", id=channel_id)


def moment(value) -> datetime | None:
    """A Chat2Desk time ("2025-05-26T08:21:30 UTC", ISO 8601 or unix seconds), or None."""
    from .flows.convert import Unconvertible, to_datetime

    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(to_datetime(value))
    except (Unconvertible, ValueError, OverflowError, OSError):
        return None
