"""Live choices from both APIs, loaded by views and flows (never by forms), cached briefly.

Bitrix24: one `batch` when cold (a second only for portals with more than 50 users).
Chat2Desk: tags, custom client fields, operators, channels. The cache is per process and per
portal; "refresh lists" drops it.
"""

import threading
import time
from dataclasses import dataclass, field

from flask import current_app

from . import portals
from .clients.chat2desk import operator_role
from .models import Portal

_cache: dict[tuple[int, str], tuple[float, object]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Bitrix24Lists:
    """What the portal offers: Open Lines, CRM fields, pipelines, CRM mode and users."""

    openlines: list = field(default_factory=list)
    deal_fields: dict = field(default_factory=dict)
    lead_fields: dict = field(default_factory=dict)
    categories: list = field(default_factory=list)
    crm_mode: int = 1
    users: list = field(default_factory=list)
    # is our connector active on the Common tab's line? None when Open Lines are off
    connector_active: bool | None = None

    def fields_for(self, entity: str) -> dict:
        return self.deal_fields if entity == "deal" else self.lead_fields

    def default_category_name(self) -> str:
        return next(
            (str(c.get("name")) for c in self.categories if str(c.get("id")) == "0"), "General"
        )


@dataclass(frozen=True)
class Chat2DeskLists:
    """What the Chat2Desk account offers: tags, custom fields, operators, channels."""

    tags: list = field(default_factory=list)
    custom_fields: list = field(default_factory=list)
    operators: list = field(default_factory=list)
    channels: list = field(default_factory=list)

    def supervisors(self) -> list[str]:
        return [str(op.get("id")) for op in self.operators if operator_role(op) == "supervisor"]


def _cached(key: tuple[int, str], loader, refresh: bool):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > now and not refresh:
        return hit[1]
    value = loader()
    with _lock:
        _cache[key] = (now + current_app.config["CHOICES_CACHE_SECONDS"], value)
    return value


def user_name(portal_id: int, user_id) -> str | None:
    """A Bitrix24 user's name from the cached lists, if they are there (never a request)."""
    with _lock:
        hit = _cache.get((portal_id, "b24"))
    for user in hit[1].users if hit else []:
        if str(user.get("ID")) == str(user_id):
            name = " ".join(str(user.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
            return name or None
    return None


def channel_name(portal_id: int, channel_id) -> str | None:
    """A Chat2Desk channel's name from the cached lists, if they are there (never a request)."""
    with _lock:
        hit = _cache.get((portal_id, "c2d"))
    for channel in hit[1].channels if hit and hit[1] else []:
        if str(channel.get("id")) == str(channel_id):
            return str(channel.get("name") or "") or None
    return None


def invalidate(portal: Portal) -> None:
    with _lock:
        for key in [k for k in _cache if k[0] == portal.id]:
            del _cache[key]


def label(code: str, descriptor: dict) -> str:
    """Human label of a CRM field: `listLabel`/`formLabel` for UF_CRM_*, else `title`."""
    for key in ("listLabel", "formLabel", "filterLabel", "title"):
        value = descriptor.get(key)
        if isinstance(value, str) and value and value != code:
            return value
    return code


def bitrix(portal: Portal, refresh: bool = False, client=None) -> Bitrix24Lists:
    from . import connector, settings_store

    line = connector.line_of(settings_store.load(portal, "common"))
    return _cached(
        (portal.id, "b24"),
        lambda: _load_bitrix(client or portals.client_for(portal), line),
        refresh,
    )


def _load_bitrix(client, line: str = "") -> Bitrix24Lists:
    from .connector import CONNECTOR_ID

    commands = {
        "lines": ("imopenlines.config.list.get", {"PARAMS": {"limit": 200}}),
        "deal": ("crm.deal.fields", {}),
        "lead": ("crm.lead.fields", {}),
        "cats": ("crm.category.list", {"entityTypeId": 2}),
        "mode": ("crm.settings.mode.get", {}),
        "users": ("user.get", {"sort": "ID", "order": "ASC"}),
    }
    if line:  # in the same batch: the Common tab says when the connector is not active
        commands["conn"] = ("imconnector.status", {"CONNECTOR": CONNECTOR_ID, "LINE": line})
    res = client.batch(commands)
    res.errors.pop("conn", None)  # a status we cannot read is not a reason to show no tab
    res.raise_first()
    users = list(res.result.get("users") or [])
    total = int(res.total.get("users") or len(users))
    if total > len(users):
        more = client.batch(
            {
                f"u{start}": ("user.get", {"sort": "ID", "order": "ASC", "start": start})
                for start in range(50, total, 50)
            }
        )
        more.raise_first()
        for start in range(50, total, 50):
            users.extend(more.result.get(f"u{start}") or [])
    cats = res.result.get("cats") or {}
    cats = cats.get("categories", []) if isinstance(cats, dict) else cats
    lines = res.result.get("lines") or []
    return Bitrix24Lists(
        openlines=[
            {
                "id": str(x.get("ID")),
                "name": str(x.get("LINE_NAME") or x.get("ID")),
                "active": x.get("ACTIVE", "Y") == "Y",
            }
            for x in lines
        ],
        deal_fields=dict(res.result.get("deal") or {}),
        lead_fields=dict(res.result.get("lead") or {}),
        categories=sorted(cats, key=lambda c: (int(c.get("sort") or 0), int(c.get("id") or 0))),
        crm_mode=int(res.result.get("mode") or 1),
        users=users,
        connector_active=_connector_active(res.result.get("conn")) if line else None,
    )


def _connector_active(status) -> bool | None:
    """`imconnector.status` → STATUS true when active [b24restdocs:
    api-reference/imopen-lines/imconnector/imconnector-status.md]."""
    if not isinstance(status, dict):
        return None
    return bool(status.get("STATUS")) and not status.get("ERROR")


def chat2desk(portal: Portal, refresh: bool = False, client=None) -> Chat2DeskLists | None:
    if portal.connection is None:
        return None

    def load() -> Chat2DeskLists:
        from .connection import client_for

        c2d = client or client_for(portal.connection)
        return Chat2DeskLists(
            tags=c2d.tags(),
            custom_fields=c2d.custom_client_fields(),
            operators=c2d.operators(),
            channels=c2d.channels(),
        )

    return _cached((portal.id, "c2d"), load, refresh)
