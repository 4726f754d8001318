"""The CRM card tab's facts: the entity, who may act, and its client's Chat2Desk dialogs.

Clients are found through the app's own records first (entities the close flow made, contacts
it linked, dialogs written first from the tab), else by the entity's or its contact's phone
with `GET /clients?phone=` (CONTRACT §3 `/crm/tab`).
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from ..clients.c2d_normalize import normalize_phone, real_phone
from ..extensions import db
from ..models import RemoteRecord
from . import dialog_page

PLACEMENTS = {
    "CRM_LEAD_DETAIL_TAB": "lead",
    "CRM_DEAL_DETAIL_TAB": "deal",
    "CRM_CONTACT_DETAIL_TAB": "contact",
}
MAX_DIALOGS = 5


@dataclass
class Entity:
    """The CRM record the tab is open in."""

    kind: str
    id: int
    title: str = ""
    responsible: int | None = None
    contact_id: int | None = None
    phones: list = field(default_factory=list)


@dataclass
class ClientView:
    """One Chat2Desk client of the entity with its card and dialogs, newest first."""

    client: dict
    phone: str | None
    tags: list = field(default_factory=list)  # (id, label)
    fields: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.client.get("id"))


@dataclass
class TabView:
    """Everything the tab shows."""

    entity: Entity
    found_by: str = ""  # "records" | "phone" | ""
    clients: list = field(default_factory=list)

    def dialog(self, dialog_id) -> tuple[ClientView, dict] | tuple[None, None]:
        """The dialog with this id among the entity's own, else (None, None)."""
        for client in self.clients:
            for dialog in client.dialogs:
                if str(dialog["dialog"].get("id")) == str(dialog_id):
                    return client, dialog
        return None, None

    @property
    def has_dialogs(self) -> bool:
        return any(c.dialogs for c in self.clients)

    @property
    def phone(self) -> str | None:
        return next(iter(self.entity.phones), None)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _phones(record: dict) -> list[str]:
    values = record.get("PHONE") if isinstance(record.get("PHONE"), list) else []
    found = [normalize_phone(v.get("VALUE")) for v in values if isinstance(v, dict)]
    return [p for p in found if p]


def load_entity(ctx, kind: str, entity_id: int) -> Entity | None:
    """One Bitrix24 batch: the entity and, for a deal or lead, its contact (for the phone)."""
    cmds = {"entity": (f"crm.{kind}.get", {"id": entity_id})}
    if kind != "contact":
        cmds["contact"] = ("crm.contact.get", {"id": "$result[entity][CONTACT_ID]"})
    res = ctx.b24.batch(cmds)
    record = res.result.get("entity")
    if not isinstance(record, dict) or not record:
        return None
    contact = res.result.get("contact") if isinstance(res.result.get("contact"), dict) else {}
    title = record.get("TITLE") or " ".join(str(record.get(k) or "") for k in ("NAME", "LAST_NAME"))
    phones = _phones(record) + [p for p in _phones(contact or {}) if p not in _phones(record)]
    return Entity(
        kind=kind,
        id=entity_id,
        title=str(title).strip(),
        responsible=_int(record.get("ASSIGNED_BY_ID")),
        contact_id=_int(record.get("CONTACT_ID")) if kind != "contact" else entity_id,
        phones=phones,
    )


def may_use(ctx, entity: Entity, user_id: int, admin: bool) -> bool:
    """Admins, mapped operators and the entity's responsible always; others per `access`."""
    access = ctx.settings.get("access", {})
    mapped = {
        str(v) for k, v in ctx.settings.get("operators", {}).items() if k.startswith("user_") and v
    }
    if admin or str(user_id) in mapped or entity.responsible == user_id:
        return True
    if access.get("tab_access", "everyone") == "everyone":
        return True
    return str(user_id) in {str(u) for u in access.get("tab_users") or []}


def linked_clients(ctx, entity: Entity) -> list[str]:
    """Chat2Desk client ids the app's records tie to this entity (or to its contact)."""
    rows = db.session.execute(
        select(RemoteRecord).where(
            RemoteRecord.portal_id == ctx.portal.id,
            RemoteRecord.kind.in_(("crm_entity", "crm_client", "crm_contact")),
            RemoteRecord.remote_id.in_(
                [str(entity.id), f"{entity.kind}:{entity.id}", str(entity.contact_id or "")]
            ),
        )
    ).scalars()
    found = []
    for row in rows:
        client_id = None
        if row.kind == "crm_entity" and row.remote_id == str(entity.id):
            same = row.data.get("kind") == entity.kind
            client_id = row.data.get("client_id") if same else None
        elif row.kind == "crm_client" and row.remote_id == f"{entity.kind}:{entity.id}":
            client_id = row.ext_key
        elif row.kind == "crm_contact" and row.remote_id == str(entity.contact_id):
            client_id = row.ext_key
        if client_id and str(client_id) not in found:
            found.append(str(client_id))
    return found


def by_phone(ctx, entity: Entity) -> list[str]:
    """Chat2Desk clients with one of the entity's phones (`GET /clients?phone=`)."""
    found = []
    for phone in entity.phones:
        for client in ctx.c2d.clients_by_phone(phone):
            if client.get("id") and str(client["id"]) not in found:
                found.append(str(client["id"]))
    return found


def load(ctx, entity: Entity) -> TabView:
    """The entity's clients with their cards and dialogs (Chat2Desk reads only)."""
    view = TabView(entity)
    ids = linked_clients(ctx, entity)
    view.found_by = "records" if ids else ""
    if not ids:
        ids = by_phone(ctx, entity)
        view.found_by = "phone" if ids else ""
    for client_id in ids:
        view.clients.append(_client_view(ctx, client_id))
    return view


def _client_view(ctx, client_id: str) -> ClientView:
    client = ctx.c2d.client(client_id) or {}
    view = ClientView(client=client, phone=real_phone(client))
    names = {str(t.get("id")): t.get("label") for t in _lists(ctx, "tags")}
    view.tags = [
        (str(t.get("id")), str(t.get("label") or names.get(str(t.get("id"))) or t.get("id")))
        for t in client.get("tags") or []
        if isinstance(t, dict)
    ]
    view.fields = dialog_page._fields(ctx, client)
    dialogs = sorted(
        ctx.c2d.client_dialogs(client_id), key=lambda d: _int(d.get("id")) or 0, reverse=True
    )
    for dialog in dialogs[:MAX_DIALOGS]:
        rows = ctx.c2d.messages(dialog["id"], order="asc")
        view.dialogs.append(
            {
                "dialog": dialog,
                "messages": [dialog_page._message(r) for r in rows if isinstance(r, dict)],
                "operator": operator_label(ctx, dialog.get("operator_id")),
                "channel_id": _channel_of(dialog, rows, client),
                "transport": dialog_page._transport(dialog, client, rows),
                "request_id": dialog.get("last_request_id"),
            }
        )
    return view


def _channel_of(dialog: dict, rows: list, client: dict):
    """The dialog's channel: its last message's, else the client's only channel."""
    last = dialog.get("last_message") if isinstance(dialog.get("last_message"), dict) else {}
    for source in (last, *(reversed(rows) if rows else ())):
        if isinstance(source, dict) and source.get("channel_id"):
            return source["channel_id"]
    channels = [c for c in client.get("channels") or [] if isinstance(c, dict)]
    return channels[0].get("id") if channels else None


def _lists(ctx, kind: str) -> list:
    try:
        return list(getattr(ctx.c2d_lists, kind) or [])
    except Exception:  # noqa: BLE001 - names are a nicety; the tab shows ids instead
        return []


def operator_label(ctx, operator_id) -> str:
    if not operator_id:
        return ""
    op = ctx.c2d_item("operators", operator_id) or {}
    name = " ".join(str(op.get(k) or "") for k in ("first_name", "last_name")).strip()
    return name or f"#{operator_id}"
