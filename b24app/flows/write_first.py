"""Write first from the CRM card tab: a new Chat2Desk client (when the phone has none), the
opening message, and records that link the new client and dialog to the entity — so the
dialog's close later completes this entity instead of creating another (CONTRACT §3)."""

from ..phrases import gettext as _
from .crm_actions import Done
from .crm_tab import Entity, TabView


def write_first(ctx, view: TabView, data: dict, user_id: int) -> Done:
    """`POST /clients` (unless the client exists) then `POST /messages`; then link."""
    if view.has_dialogs:
        return Done(False, _("This client already has a dialog in Chat2Desk: reply in it instead."))
    if not view.phone:
        return Done(False, _("This record has no phone number to write to."))
    channel = ctx.c2d_item("channels", data.get("channel_id"))
    if channel is None:
        return Done(False, _("Choose one of your Chat2Desk channels."))
    transport = str(data.get("transport") or "")
    if transport not in [str(t) for t in channel.get("transports") or []]:
        return Done(
            False,
            _(
                "The channel “%(channel)s” does not send through “%(transport)s”.",
                channel=channel.get("name"),
                transport=transport,
            ),
        )
    if view.clients:
        client_id = view.clients[0].id
    else:
        made = ctx.c2d.create_client(view.phone, transport, channel["id"], view.entity.title)
        client_id = str(made.get("id"))
    sent = ctx.c2d.send_message(
        client_id, data["text"], channel_id=channel["id"], transport=transport
    )
    link(ctx, view.entity, client_id, sent or {})
    return Done(
        True,
        _(
            "The first message was sent to %(phone)s through “%(channel)s”; "
            "the new dialog is linked to this record.",
            phone=view.phone,
            channel=channel.get("name"),
        ),
    )


def link(ctx, entity: Entity, client_id: str, sent: dict) -> None:
    """Records the close flow and the tab read: client → entity, request/dialog → entity."""
    records = ctx.records
    if entity.contact_id and not records.get("crm_contact", client_id):
        records.put("crm_contact", client_id, entity.contact_id)
    if entity.kind == "contact":
        return
    ref = f"{entity.kind}:{entity.id}"
    if records.remote_id("crm_client", client_id) != ref:
        records.forget("crm_client", client_id)
        records.put("crm_client", client_id, ref)
    data = {
        "kind": entity.kind,
        "linked": True,
        "client_id": client_id,
        "dialog_id": str(sent.get("dialog_id") or ""),
        "request_id": str(sent.get("request_id") or ""),
        "contact_id": entity.contact_id,
    }
    for origin in (f"request:{sent.get('request_id')}", f"dialog:{sent.get('dialog_id')}"):
        if not origin.endswith(":None") and not records.get("crm_entity", origin):
            records.put("crm_entity", origin, entity.id, data)
