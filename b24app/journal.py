"""The event journal: written before any work, claimed atomically, finished with a reason."""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .c2d_events import C2DEvent, parse
from .clients.bitrix24 import Bitrix24Error
from .clients.chat2desk import Chat2DeskError
from .extensions import db
from .i18n import normalise
from .models import Connection, Journal, Portal
from .phrases import encode, join
from .phrases import gettext as _

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=5)
LAST_EVENT_RESOLUTION = timedelta(minutes=1)  # `Connection.last_event_at` is this precise


@dataclass(frozen=True)
class Outcome:
    """What a flow did, in words the admin reads in the journal."""

    status: str  # done | filtered | ignored
    decision: str
    # facts the stats page counts (stored in their own columns)
    entity: str | None = None  # lead | deal | none: what a close made
    channel: str | None = None
    notified: int = 0


@contextmanager
def _kept_loaded():
    """Commit without expiring what this request already loaded: the flow that follows would
    only read the same rows again (halves the intake path's statements)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def record(
    portal: Portal,
    event: C2DEvent,
    settled: Outcome | None = None,
    connection: Connection | None = None,
) -> tuple[Journal, bool]:
    """Insert the row in its own transaction; returns (row, whether we own the work).

    `settled` is the final outcome of an event that needs no flow: the row is then written
    finished, in the same single commit."""
    now = datetime.now(UTC)
    values = {
        "portal_id": portal.id,
        "key": event.key,
        "hook_type": event.hook_type,
        "dialog_id": event.dialog_id,
        "request_id": event.request_id,
        "client_id": event.client_id,
        "payload": event.payload,
        "status": settled.status if settled else "processing",
        "decision": settled.decision if settled else "",
        "decision_data": encode(settled.decision) if settled else None,
        "error": "",
        "attempts": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:  # a Core insert: the intake's hot path skips the unit of work
        result = db.session.execute(insert(Journal).values(**values))
        _stamp_last_event(portal.id, connection)
        with _kept_loaded():
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = db.session.execute(
            select(Journal).filter_by(portal_id=portal.id, key=event.key)
        ).scalar_one()
        return row, claim(row)
    row_id = result.inserted_primary_key[0]
    if settled is not None:  # nothing more happens to it: a detached copy says what was stored
        return Journal(id=row_id, **values), True
    return db.session.get(Journal, row_id), True


def _stamp_last_event(portal_id: int, connection: Connection | None) -> None:
    """`Connection.last_event_at`, written at most once a minute: no hot row, no extra write."""
    now = datetime.now(UTC)
    if connection is not None and connection.last_event_at is not None:
        if connection.last_event_at >= now - LAST_EVENT_RESOLUTION:
            db.session.flush()
            return
    db.session.execute(
        update(Connection)
        .where(Connection.portal_id == portal_id)
        .where(
            or_(
                Connection.last_event_at.is_(None),
                Connection.last_event_at < now - LAST_EVENT_RESOLUTION,
            )
        )
        .values(last_event_at=now)
    )


def claim(row: Journal) -> bool:
    """Take a failed (or abandoned) row for another attempt; only one worker wins."""
    stale = datetime.now(UTC) - STALE_CLAIM
    result = db.session.execute(
        update(Journal)
        .where(Journal.id == row.id)
        .where(
            or_(
                Journal.status.in_(("received", "failed")),
                (Journal.status == "processing") & (Journal.updated_at < stale),
            )
        )
        .values(status="processing", attempts=Journal.attempts + 1, updated_at=datetime.now(UTC))
    )
    db.session.commit()
    db.session.refresh(row)
    return result.rowcount == 1


def finish(row: Journal, outcome: Outcome) -> None:
    row.status, row.decision, row.error = outcome.status, outcome.decision, ""
    row.decision_data, row.error_data = encode(outcome.decision), None
    row.entity_kind, row.notified = outcome.entity, outcome.notified
    row.channel_id = outcome.channel or row.channel_id
    row.took_ms = _since(row.created_at)
    with _kept_loaded():
        db.session.commit()


def fail(row: Journal, exc: Exception) -> None:
    db.session.rollback()
    error = describe(exc)
    row.status, row.error, row.error_data = "failed", error, encode(error)
    db.session.commit()


def _since(created_at: datetime | None) -> int | None:
    """Milliseconds from the webhook's arrival (the row's creation) until now."""
    if created_at is None:
        return None
    if created_at.tzinfo is None:  # SQLite and Postgres `timestamp` give naive UTC back
        created_at = created_at.replace(tzinfo=UTC)
    return max(0, int((datetime.now(UTC) - created_at).total_seconds() * 1000))


def transient(exc: Exception) -> bool:
    return bool(getattr(exc, "transient", False))


def describe(exc: Exception) -> str:
    """A remote error in plain words."""
    if isinstance(exc, Bitrix24Error):
        what = {
            "QUERY_LIMIT_EXCEEDED": _("Bitrix24 is rate-limiting the app"),
            "OPERATION_TIME_LIMIT": _("Bitrix24 paused this method (time budget spent)"),
            "expired_token": _("the Bitrix24 token expired and could not be refreshed"),
            "invalid_grant": _("Bitrix24 refused the refresh token; open the app once to renew it"),
        }.get(exc.code) or _("Bitrix24 answered with an error")
        detail = f"{exc.method}: {exc.code or exc.status} {exc.description}".strip()
        return join("", [what, f" ({detail[:1900]})"])
    if isinstance(exc, Chat2DeskError):
        return _("Chat2Desk answered with an error (%(detail)s)", detail=str(exc)[:1900])
    return f"{type(exc).__name__}: {exc}"[:2000]


def execute(portal: Portal, row: Journal, event: C2DEvent) -> tuple[int, dict]:
    """Run the flow for a claimed row and store the outcome; returns (HTTP status, body)."""
    from .flows.dispatch import run_event

    try:
        outcome = run_event(portal, event)
    except Exception as exc:  # noqa: BLE001 - every failure is journaled, never lost
        fail(row, exc)
        if not transient(exc):
            log.warning("event %s failed permanently: %s", row.id, row.error)
            return 200, {"ok": False, "journal_id": row.id, "status": "failed", "error": row.error}
        return 503, {"ok": False, "journal_id": row.id, "status": "failed", "error": row.error}
    finish(row, outcome)
    return 200, {
        "ok": True,
        "journal_id": row.id,
        "status": outcome.status,
        "decision": outcome.decision,
    }


def retry(row: Journal) -> tuple[int, dict]:
    """Re-run one failed row (exactly-once: only if we win the claim)."""
    if not claim(row):
        return 200, {"ok": True, "journal_id": row.id, "status": row.status, "duplicate": True}
    portal = db.session.get(Portal, row.portal_id)
    with force_locale(normalise(portal.lang if portal else None)):
        if portal is None or not portal.active:
            finish(row, Outcome("ignored", _("The portal uninstalled the application.")))
            return 200, {"ok": True, "journal_id": row.id, "status": "ignored"}
        return execute(portal, row, parse(row.payload))


def failed_rows(member_id: str | None = None) -> list[Journal]:
    query = select(Journal).where(Journal.status == "failed").order_by(Journal.id)
    if member_id:
        query = query.join(Portal, Portal.id == Journal.portal_id).where(
            Portal.member_id == member_id
        )
    return list(db.session.execute(query).scalars())


_last_prune = [0.0]


def prune_due(every: float = 3600.0) -> int:
    """Prune at most once an hour per process (the journal page calls it; cron may call
    `flask journal prune` too)."""
    now = time.monotonic()
    if _last_prune[0] and now - _last_prune[0] < every:
        return 0
    _last_prune[0] = now
    return prune()


def prune(days: int | None = None) -> int:
    """Delete rows older than the retention (failed rows are kept until retried)."""
    days = days if days is not None else current_app.config["JOURNAL_RETENTION_DAYS"]
    cutoff = datetime.now(UTC) - timedelta(days=days)
    result = db.session.execute(
        delete(Journal).where(Journal.created_at < cutoff).where(Journal.status != "failed")
    )
    db.session.commit()
    return result.rowcount
