"""The dialog page's facts: transcript, client card, linked CRM entities; and its reply."""

from dataclasses import dataclass, field

from ..clients.c2d_normalize import dialog_client_channel, person_name, real_phone
from ..links import ENTITY_PATHS, entity_path, entity_url
from . import ol_messages as om

SIDES = {
    "from_client": "client",
    "in": "client",
    "to_client": "operator",
    "out": "operator",
    "autoreply": "operator",
}


@dataclass
class DialogPage:
    """Everything the page shows about one Chat2Desk dialog."""

    dialog: dict
    client: dict
    client_id: str | None = None
    channel_id: str | None = None
    name: str = ""
    phone: str | None = None
    transport: str = ""
    tags: list = field(default_factory=list)
    fields: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    entities: list = field(default_factory=list)


class NotAllowed(Exception):
    """The viewer may not see this dialog (CONTRACT §3)."""


def may_see(ctx, dialog: dict, user_id: int, admin: bool) -> bool:
    """Admins, the user mapped to the dialog's current operator, users mapped to supervisors."""
    from .notify import mapped_user

    if admin:
        return True
    if not user_id:
        return False
    if mapped_user(ctx, dialog.get("operator_id")) == user_id:
        return True
    lists = _lists(ctx)
    supervisors = lists.supervisors() if lists else []
    return any(mapped_user(ctx, s) == user_id for s in supervisors)


def load(ctx, dialog_id, allow=None) -> DialogPage:
    """Fetch with the portal's own token: a dialog of another account raises not-found.

    `allow(dialog)` decides on the dialog alone, before any message or client is fetched.
    """
    dialog = ctx.c2d.dialog(dialog_id) or {}
    if allow is not None and not allow(dialog):
        raise NotAllowed(dialog_id)
    rows = ctx.c2d.messages(dialog_id, order="asc")
    client_id, channel_id = dialog_client_channel(dialog, rows)
    client = (ctx.c2d.client(client_id) or {}) if client_id else {}
    page = DialogPage(dialog=dialog, client=client, client_id=client_id, channel_id=channel_id)
    page.name, page.phone = person_name(client), real_phone(client)
    page.messages = [_message(row) for row in rows if isinstance(row, dict)]
    page.transport = _transport(dialog, client, rows)
    page.tags = _tags(ctx, client, dialog)
    page.fields = _fields(ctx, client)
    page.entities = linked_entities(ctx, str(dialog_id), client_id)
    return page


def _message(row: dict) -> dict:
    kind = str(row.get("type") or "")
    return {
        "id": row.get("id"),
        "text": row.get("text") or "",
        "type": kind,
        "side": SIDES.get(kind, "system"),
        "created": row.get("created") or "",
        "files": om.files_of(row),
    }


def _transport(dialog: dict, client: dict, rows: list) -> str:
    last = dialog.get("last_message") if isinstance(dialog.get("last_message"), dict) else {}
    if last.get("transport") or (rows and rows[-1].get("transport")):
        return str(last.get("transport") or rows[-1].get("transport"))
    channels = client.get("channels") or []
    transports = (
        channels[0].get("transports") if channels and isinstance(channels[0], dict) else None
    )
    return str(transports[0]) if transports else ""


def _lists(ctx):
    try:
        return ctx.c2d_lists
    except Exception:  # noqa: BLE001 - names are a nicety; the page shows ids instead
        return None


def _tags(ctx, client: dict, dialog: dict) -> list[str]:
    """Labels of the client's card tags and the request tags learnt from webhooks."""
    lists = _lists(ctx)
    names = {str(t.get("id")): t.get("label") for t in (lists.tags if lists else [])}
    ids = [str(t.get("id") if isinstance(t, dict) else t) for t in client.get("tags") or []]
    labels = {
        str(t.get("id")): t.get("label")
        for t in client.get("tags") or []
        if isinstance(t, dict) and t.get("label")
    }
    ids += sorted(ctx.tags.of("request", dialog.get("last_request_id")) - set(ids))
    return [str(labels.get(i) or names.get(i) or f"#{i}") for i in ids]


def _fields(ctx, client: dict) -> list[tuple[str, str]]:
    """Custom client fields as (name, value), named from the company's definitions."""
    lists = _lists(ctx)
    names = {str(f.get("id")): f.get("name") for f in (lists.custom_fields if lists else [])}
    values = client.get("custom_fields") or {}
    return [(str(names.get(str(k)) or k), str(v)) for k, v in values.items() if v not in (None, "")]


def linked_entities(ctx, dialog_id: str, client_id) -> list[dict]:
    """CRM entities the dialog-close flow recorded for this dialog or client."""
    refs = [ctx.records.remote_id("crm_dialog", dialog_id)]
    if client_id:
        refs.append(ctx.records.remote_id("crm_client", client_id))
        contact = ctx.records.remote_id("crm_contact", client_id)
        refs.append(f"contact:{contact}" if contact else None)
    out, seen = [], set()
    for ref in refs:
        kind, _, entity_id = str(ref or "").partition(":")
        if kind in ENTITY_PATHS and entity_id and ref not in seen:
            seen.add(ref)
            out.append(
                {
                    "kind": kind,
                    "id": entity_id,
                    "path": entity_path(kind, entity_id),
                    "url": entity_url(ctx.portal, kind, entity_id),
                }
            )
    return out


def reply(ctx, page: DialogPage, text: str) -> str:
    """Send the reply box's text to the client through Chat2Desk; returns the message id."""
    result = ctx.c2d.send_message(page.client_id, text, channel_id=page.channel_id)
    return str((result or {}).get("message_id") or "")
