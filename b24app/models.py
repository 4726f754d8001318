"""Database models: portals, settings, the event journal and records of remote writes."""

from datetime import UTC, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .crypto import Encrypted
from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Portal(db.Model):
    """One Bitrix24 portal that installed the app; `member_id` is the tenant key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(255))
    client_endpoint: Mapped[str] = mapped_column(String(500))
    server_endpoint: Mapped[str] = mapped_column(String(500))
    # secrets load (and decrypt) only when used, all three together
    access_token: Mapped[str | None] = mapped_column(
        Encrypted, deferred=True, deferred_group="tokens"
    )
    refresh_token: Mapped[str | None] = mapped_column(
        Encrypted, deferred=True, deferred_group="tokens"
    )
    # a refresh token from an install, not yet proven: it replaces refresh_token once it worked
    pending_refresh_token: Mapped[str | None] = mapped_column(
        Encrypted, deferred=True, deferred_group="tokens"
    )
    expires_at: Mapped[datetime | None]
    application_token: Mapped[str | None] = mapped_column(
        Encrypted, deferred=True, deferred_group="tokens"
    )
    scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    lang: Mapped[str] = mapped_column(String(8), default="en")
    installer_user_id: Mapped[int | None]
    admin_user_ids: Mapped[list] = mapped_column(JSON, default=list)
    bot_id: Mapped[int | None]
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    token_refreshed_at: Mapped[datetime | None]
    # part of every dialog link's signature: rotating it revokes all links handed out
    link_secret: Mapped[str | None] = mapped_column(String(64))
    # leaky-bucket state of our own client-side throttle (shared by every worker)
    bucket_level: Mapped[float] = mapped_column(default=0.0)
    bucket_at: Mapped[float] = mapped_column(default=0.0)

    connection: Mapped["Connection | None"] = relationship(
        back_populates="portal", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def base_url(self) -> str:
        """The portal's own web address, e.g. https://name.bitrix24.ru/."""
        endpoint = self.client_endpoint
        return endpoint[: -len("rest/")] if endpoint.endswith("rest/") else endpoint


class Connection(db.Model):
    """A portal's Chat2Desk account: token, region and our webhook there."""

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), unique=True)
    api_token: Mapped[str | None] = mapped_column(
        Encrypted, deferred=True, deferred_group="secrets"
    )
    api_url: Mapped[str] = mapped_column(String(255))
    company_name: Mapped[str] = mapped_column(String(255), default="")
    webhook_id: Mapped[int | None]
    secret: Mapped[str | None] = mapped_column(Encrypted, deferred=True, deferred_group="secrets")
    secret_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_event_at: Mapped[datetime | None]
    # the worker's watch over our webhook at Chat2Desk (re-enabled when disabled, then caught up)
    webhook_checked_at: Mapped[datetime | None]
    webhook_note: Mapped[str] = mapped_column(Text, default="")

    portal: Mapped[Portal] = relationship(back_populates="connection")


class Setting(db.Model):
    """One settings tab of one portal, stored as a JSON document."""

    __table_args__ = (UniqueConstraint("portal_id", "tab"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    tab: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Journal(db.Model):
    """Every Chat2Desk event received, keyed for exactly-once processing."""

    __table_args__ = (
        UniqueConstraint("portal_id", "key"),
        Index("ix_journal_portal_created", "portal_id", "created_at"),
        Index("ix_journal_status", "status"),
        Index("ix_journal_portal_dialog", "portal_id", "dialog_id"),
        Index("ix_journal_due", "status", "next_attempt_at"),
        Index("ix_journal_portal_status", "portal_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    hook_type: Mapped[str] = mapped_column(String(64))
    dialog_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # queued | processing | retrying → done | filtered | ignored | failed (CONTRACT §6)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    decision: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # how `decision` and `error` were worded (phrases.py), to render them in the reader's language
    decision_data: Mapped[dict | None] = mapped_column(JSON)
    error_data: Mapped[dict | None] = mapped_column(JSON)
    # facts for the stats page: the channel, the entity made (lead | deal | none),
    # notifications sent, and milliseconds from the webhook to the flow's end
    channel_id: Mapped[str | None] = mapped_column(String(64))
    entity_kind: Mapped[str | None] = mapped_column(String(8))
    notified: Mapped[int] = mapped_column(default=0, server_default="0")
    took_ms: Mapped[int | None]
    # the queue: a waiting row is due at `next_attempt_at`; a taken one is leased until
    # `lease_until` by `lease_owner` (host:pid:thread), and goes back to the queue when it lapses
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str] = mapped_column(String(96), default="")


class Lane(db.Model):
    """A portal's Bitrix24 lane: at most one worker (or web request) does its work at a time."""

    portal_id: Mapped[int] = mapped_column(
        ForeignKey("portal.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(96), default="")
    lease_until: Mapped[datetime | None]


class RemoteRecord(db.Model):
    """A remote effect already achieved (entity created, comment posted), for exactly-once."""

    __table_args__ = (UniqueConstraint("portal_id", "kind", "ext_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    ext_key: Mapped[str] = mapped_column(String(255))
    remote_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestTag(db.Model):
    """A tag on a Chat2Desk request (or client), learnt from tag webhooks."""

    __table_args__ = (UniqueConstraint("portal_id", "scope", "owner_id", "tag_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))  # "request" or "client"
    owner_id: Mapped[str] = mapped_column(String(64))
    tag_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FrameSession(db.Model):
    """Server-side session data keyed by the frame token's digest (no cookie needed)."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime]
