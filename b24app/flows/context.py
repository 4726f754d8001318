"""What a flow gets: the portal's settings, lazily built clients and lists, and record stores.

Flows stay plain functions: they receive a Context and never import Flask. The stores here are
the only way a flow remembers remote effects (exactly-once, CONTRACT §6).
"""

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Portal, RemoteRecord, RequestTag


class Records:
    """Remote effects already achieved, keyed by (kind, Chat2Desk key): never redo them."""

    def __init__(self, portal_id: int):
        self.portal_id = portal_id

    def get(self, kind: str, ext_key: str) -> RemoteRecord | None:
        return db.session.execute(
            select(RemoteRecord).filter_by(
                portal_id=self.portal_id, kind=kind, ext_key=str(ext_key)
            )
        ).scalar_one_or_none()

    def remote_id(self, kind: str, ext_key: str) -> str | None:
        row = self.get(kind, ext_key)
        return row.remote_id if row else None

    def put(self, kind: str, ext_key: str, remote_id, data: dict | None = None) -> None:
        """Record and commit at once, so a later failure cannot lose the fact."""
        db.session.add(
            RemoteRecord(
                portal_id=self.portal_id,
                kind=kind,
                ext_key=str(ext_key),
                remote_id=str(remote_id),
                data=data or {},
            )
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()

    def touch(self, kind: str, ext_key: str, data: dict) -> None:
        """Replace a record's data (e.g. extend a claim)."""
        row = self.get(kind, ext_key)
        if row is not None:
            row.data = dict(data)
            db.session.commit()

    def forget(self, kind: str, ext_key: str) -> None:
        db.session.execute(
            delete(RemoteRecord).filter_by(
                portal_id=self.portal_id, kind=kind, ext_key=str(ext_key)
            )
        )
        db.session.commit()


class Tags:
    """Request and client tags learnt from Chat2Desk tag webhooks."""

    def __init__(self, portal_id: int):
        self.portal_id = portal_id

    def of(self, scope: str, owner_id) -> set[str]:
        if owner_id is None:
            return set()
        rows = db.session.execute(
            select(RequestTag.tag_id).filter_by(
                portal_id=self.portal_id, scope=scope, owner_id=str(owner_id)
            )
        ).scalars()
        return set(rows)

    def add(self, scope: str, owner_id, tag_id) -> bool:
        """True when the tag was not there before."""
        db.session.add(
            RequestTag(
                portal_id=self.portal_id, scope=scope, owner_id=str(owner_id), tag_id=str(tag_id)
            )
        )
        try:
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
            return False

    def remove(self, scope: str, owner_id, tag_id) -> None:
        db.session.execute(
            delete(RequestTag).filter_by(
                portal_id=self.portal_id, scope=scope, owner_id=str(owner_id), tag_id=str(tag_id)
            )
        )
        db.session.commit()


@dataclass
class Context:
    """Collaborators of one event's flows; clients and lists are created on first use."""

    portal: Portal
    settings: dict
    public_url: str
    write_grace: float = 65.0
    _overrides: dict = field(default_factory=dict)

    @cached_property
    def b24(self):
        from .. import portals

        return self._overrides.get("b24") or portals.client_for(self.portal)

    @cached_property
    def c2d(self):
        from ..connection import client_for

        return self._overrides.get("c2d") or client_for(self.portal.connection)

    @cached_property
    def b24_lists(self):
        from .. import choices

        return choices.bitrix(self.portal, client=self._overrides.get("b24"))

    @cached_property
    def c2d_lists(self):
        from .. import choices

        return choices.chat2desk(self.portal, client=self._overrides.get("c2d"))

    @cached_property
    def records(self) -> Records:
        return Records(self.portal.id)

    @cached_property
    def tags(self) -> Tags:
        return Tags(self.portal.id)

    def c2d_item(self, kind: str, item_id) -> dict | None:
        """An operator, tag or channel from the cached Chat2Desk lists, for naming it in words;
        None when unknown or when the lists cannot be had (a name never fails a flow)."""
        try:
            items = getattr(self.c2d_lists, kind) if self.c2d_lists else []
        except Exception:  # noqa: BLE001 - a name is a nicety
            items = []
        return next((i for i in items if str(i.get("id")) == str(item_id)), None)

    def failed_events(self, dialog_id, hook_types: tuple, exclude_key: str) -> list:
        """Earlier events of this dialog whose processing failed, oldest first (so a relay can
        send them before a newer message and keep the order)."""
        from ..c2d_events import parse
        from ..models import Journal

        rows = db.session.execute(
            select(Journal.payload)
            .filter_by(portal_id=self.portal.id, dialog_id=str(dialog_id))
            .where(Journal.status.in_(("failed", "retrying")))
            .where(Journal.hook_type.in_(hook_types), Journal.key != exclude_key)
            .order_by(Journal.id)
        ).scalars()
        return [parse(payload) for payload in rows]

    def user_label(self, user_id) -> str:
        """How the journal names a Bitrix24 user: their name when known, else the id."""
        from ..choices import user_name
        from ..phrases import gettext as _

        name = user_name(self.portal.id, user_id)
        return f"{name} (#{user_id})" if name else _("user %(id)s", id=user_id)

    @property
    def api_url(self) -> str:
        return self.portal.connection.api_url if self.portal.connection else ""
