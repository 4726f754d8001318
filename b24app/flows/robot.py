"""The `c2d_send_message` robot: send the text through Chat2Desk to the document's client and
answer the workflow once with `bizproc.event.send` (CONTRACT §3, §8 "robot").

Client: the one linked by the app's records, else found by phone, else opened with
`POST /clients` (the first message opens the client). Channel: the robot's `channel_id`, else
the client's last channel, else the first channel. A transient failure is raised so the
journal retries it; after ROBOT_GIVE_UP seconds, or for a permanent one, the workflow gets
`status = failed` and the reason — it never waits forever."""

import time

from ..clients.c2d_errors import Chat2DeskUnavailableError
from ..journal import Outcome, transient
from ..phrases import gettext as _
from . import crm_tab

KINDS = {"DEAL": "deal", "LEAD": "lead"}
ROBOT_GIVE_UP = 3600.0


class RobotFailed(Exception):
    """The message cannot be sent; the text says why, for the workflow's `error`."""


def on_robot(ctx, event) -> Outcome:
    """Run one journaled robot call (also on a retry: sent and answered are recorded)."""
    from ..placements.robot_call import signed

    payload = event.payload
    if not signed(payload, ctx.portal.member_id):
        return Outcome("ignored", _("A robot call not signed by this app; nothing was sent."))
    token = payload["event_token"]
    if ctx.records.get("robot_answer", token):
        return Outcome("done", _("The workflow already has this robot's answer."))
    try:
        message_id = ctx.records.remote_id("robot_sent", token) or _send(ctx, payload)
        ctx.records.put("robot_sent", token, message_id)
        values = {"message_id": message_id, "status": "sent", "error": ""}
        decision = _("Robot: message %(id)s sent through Chat2Desk.", id=message_id)
    except Exception as exc:  # noqa: BLE001 - every failure is told to the workflow or retried
        if _transient(exc) and time.time() - float(payload.get("received_at") or 0) < ROBOT_GIVE_UP:
            raise
        why = str(exc) if isinstance(exc, RobotFailed) else _describe(exc)
        values = {"message_id": "", "status": "failed", "error": why}
        decision = _("Robot: the message was not sent (%(why)s).", why=why)
    _answer(ctx, token, values)
    return Outcome(
        "done", decision + " " + _("The workflow got status “%(status)s”.", status=values["status"])
    )


def _transient(exc) -> bool:
    """Worth another attempt: Bitrix24's own transient errors, Chat2Desk 5xx and timeouts."""
    return transient(exc) or isinstance(exc, Chat2DeskUnavailableError)


def _describe(exc) -> str:
    from ..journal import describe

    return describe(exc)


def _answer(ctx, token: str, values: dict) -> None:
    """bizproc.event.send once per event token (a failed send is retried by the journal)."""
    ctx.b24.call("bizproc.event.send", {"event_token": token, "return_values": values})
    ctx.records.put("robot_answer", token, values["status"], values)


def _entity(ctx, payload: dict) -> crm_tab.Entity:
    document = payload.get("document_id") or []
    kind_code, _sep, entity_id = str(document[-1] if document else "").partition("_")
    kind = KINDS.get(kind_code.upper())
    if kind is None or not entity_id.isdigit():
        raise RobotFailed(_("The robot runs only on deals and leads."))
    entity = crm_tab.load_entity(ctx, kind, int(entity_id))
    if entity is None:
        raise RobotFailed(_("Bitrix24 did not find the deal or lead the robot runs on."))
    return entity


def _send(ctx, payload: dict) -> str:
    props = payload.get("properties") or {}
    text = str(props.get("text") or "").strip()
    if not text:
        raise RobotFailed(_("The robot has no message text."))
    entity = _entity(ctx, payload)
    client_ids = crm_tab.linked_clients(ctx, entity) or crm_tab.by_phone(ctx, entity)
    client = ctx.c2d.client(client_ids[0]) if client_ids else None
    channel = _channel(ctx, props, client)
    transport = str(props.get("transport") or "") or _transport(client, channel)
    if client is None:
        if not entity.phones:
            raise RobotFailed(_("The deal or lead has no phone number and no Chat2Desk client."))
        client = ctx.c2d.create_client(entity.phones[0], transport, channel["id"], entity.title)
    sent = ctx.c2d.send_message(
        client["id"], text, channel_id=channel["id"], transport=transport or None
    )
    if not client_ids:
        from .write_first import link

        link(ctx, entity, str(client["id"]), sent or {})
    return str((sent or {}).get("message_id") or "")


def _channel(ctx, props: dict, client: dict | None) -> dict:
    wanted = str(props.get("channel_id") or "").strip()
    if wanted:
        found = ctx.c2d_item("channels", wanted)
        if found is None:
            raise RobotFailed(_("Chat2Desk has no channel %(id)s.", id=wanted))
        return found
    own = [c for c in (client or {}).get("channels") or [] if isinstance(c, dict)]
    if own and ctx.c2d_item("channels", own[-1].get("id")):
        return ctx.c2d_item("channels", own[-1].get("id"))
    channels = ctx.c2d_lists.channels
    if not channels:
        raise RobotFailed(_("Your Chat2Desk account has no channels."))
    return channels[0]


def _transport(client: dict | None, channel: dict) -> str:
    for item in (client or {}).get("channels") or []:
        if isinstance(item, dict) and str(item.get("id")) == str(channel.get("id")):
            if item.get("transports"):
                return str(item["transports"][0])
    transports = channel.get("transports") or []
    return str(transports[0]) if transports else ""
