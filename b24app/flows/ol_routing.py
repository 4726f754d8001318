"""Open Lines routing and options (CONTRACT §5 Common): a line per channel, the operator's name
on replies typed in Chat2Desk, messages held until the dialog has an operator, delivery
failures reported in the line, and answers from the line credited to the mapped operator."""

from dataclasses import replace

from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..journal import Outcome
from ..models import RemoteRecord
from ..phrases import gettext as _
from . import ol_messages as om

KIND_HELD = "ol_held"  # "<dialog id>:<message id>" → an inbox held until an operator is assigned


def _common(ctx) -> dict:
    return ctx.settings.get("common", {})


def line_for(ctx, channel_id) -> str:
    """The channel's own line (`openline_<channel_id>`), blank = the main line; '' when off."""
    common = _common(ctx)
    if not common.get("openlines_enabled"):
        return ""
    own = common.get(f"openline_{channel_id}") if channel_id not in (None, "") else None
    return str(own or common.get("openline_id") or "")


def lines_in_use(common: dict) -> set[str]:
    """Every line the connector must be active on."""
    if not common.get("openlines_enabled"):
        return set()
    found = {str(common.get("openline_id") or "")}
    found |= {
        str(v) for k, v in common.items() if k.startswith("openline_") and k != "openline_id" and v
    }
    return {line for line in found if line}


def signed(ctx, msg, operator_id):
    """With `ol_sign_operator`, a reply typed in Chat2Desk carries its operator's name."""
    if not (_common(ctx).get("ol_sign_operator") and msg.operator_side and operator_id):
        return msg
    op = ctx.c2d_item("operators", operator_id) or {}
    name = " ".join(str(op.get(k) or "") for k in ("first_name", "last_name")).strip()
    return replace(msg, operator_name=name) if name else msg


def credited_operator(ctx, b24_user_id) -> int | None:
    """The Chat2Desk operator mapped to the Bitrix24 user who answered in the line."""
    wanted = str(b24_user_id or "")
    for key, value in ctx.settings.get("operators", {}).items():
        if key.startswith("user_") and wanted and str(value) == wanted:
            op_id = key.removeprefix("user_")
            return int(op_id) if op_id.isdigit() else None
    return None


# --- holding until an operator is assigned -----------------------------------------------------
def hold(ctx, event) -> bool:
    """`ol_wait_operator`: keep an inbox of a dialog without an operator; True when held."""
    if not _common(ctx).get("ol_wait_operator") or event.operator_id or not event.dialog_id:
        return False
    key = f"{event.dialog_id}:{event.message_id}"
    if ctx.records.get(KIND_HELD, key) is None:
        ctx.records.put(KIND_HELD, key, event.message_id or "", {"payload": event.payload})
    return True


def held(ctx, dialog_id) -> list:
    """The dialog's held inbox events, oldest first."""
    from ..c2d_events import parse

    rows = db.session.execute(
        select(RemoteRecord)
        .where(
            RemoteRecord.portal_id == ctx.portal.id,
            RemoteRecord.kind == KIND_HELD,
            RemoteRecord.ext_key.like(f"{dialog_id}:%"),
        )
        .order_by(RemoteRecord.id)
    ).scalars()
    return [parse(row.data["payload"]) for row in rows if isinstance(row.data, dict)]


def release(ctx, dialog_id) -> None:
    for event in held(ctx, dialog_id):
        ctx.records.forget(KIND_HELD, f"{dialog_id}:{event.message_id}")


def on_transfer(ctx, event) -> Outcome:
    """An operator was assigned: the held messages of the dialog go to the line, in order."""
    from . import open_lines

    waiting = held(ctx, event.dialog_id) if event.dialog_id else []
    if not waiting or not open_lines.line_id(ctx):
        return Outcome("ignored", "")
    return relay_held(ctx, waiting)


# --- delivery failures --------------------------------------------------------------------------
def on_delivery_error(ctx, event) -> Outcome:
    """`outbox_status` (a delivery error from the messenger, reference/chat2desk.md §5.3):
    reported in the dialog's line when `ol_delivery_errors` is on."""
    from . import open_lines

    if not _common(ctx).get("ol_delivery_errors") or not open_lines.line_id(ctx):
        return Outcome("ignored", _("Delivery failures are not reported in the Open Line."))
    return report_failure(ctx, event)


def relay_held(ctx, events: list) -> Outcome:
    """The held messages of a dialog, now that it has an operator (ol_wait_operator)."""
    from . import open_lines

    first = events[0]
    payload = first.payload
    client = payload.get("client") if isinstance(payload.get("client"), dict) else None
    route = {"channel_id": first.channel_id, "transport": payload.get("transport")}
    count = open_lines.relay(ctx, [om.from_webhook(e) for e in events], client=client, route=route)
    release(ctx, first.dialog_id)
    return Outcome(
        "done",
        ngettext(
            "%(num)d held message relayed to the Open Line.",
            "%(num)d held messages relayed to the Open Line.",
            count,
        ),
    )


def report_failure(ctx, event) -> Outcome:
    """A message Chat2Desk could not deliver, told in the dialog's Open Lines chat."""
    from . import open_lines

    chat = ctx.records.get(open_lines.KIND_CHAT, event.dialog_id) if event.dialog_id else None
    if chat is None or not event.message_id:
        return Outcome("ignored", _("The failed message's dialog is not in an Open Line."))
    why = f" ({event.text})" if event.text else ""
    note = om.LineMessage(
        id=f"status:{event.message_id}",
        dialog_id=str(event.dialog_id),
        client_id=str((chat.data or {}).get("client_id") or event.client_id or ""),
        text=_(
            "Chat2Desk could not deliver message %(id)s to the client%(why)s.",
            id=event.message_id,
            why=why,
        ),
        date=om.unix_time(event.event_time),
    )
    route = {
        "channel_id": (chat.data or {}).get("channel_id"),
        "transport": (chat.data or {}).get("transport"),
    }
    if not open_lines.relay(ctx, [note], route=route):
        return Outcome("ignored", _("This delivery failure is already in the Open Line."))
    return Outcome(
        "done",
        _("Delivery failure of message %(id)s reported in the Open Line.", id=event.message_id),
    )
