"""Journal first: a row is written before any work, then finished with what happened."""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..clients.bitrix24 import Bitrix24Error
from ..clients.chat2desk import Chat2DeskError
from ..extensions import db
from ..models import Connection, Journal, Portal
from ..phrases import encode, join
from ..phrases import gettext as _
from .schedule import next_attempt

log = logging.getLogger(__name__)
LAST_EVENT_RESOLUTION = timedelta(minutes=1)  # `Connection.last_event_at` is this precise
WAITING = ("queued", "retrying")
IN_REQUEST_GRACE = timedelta(seconds=5)
FINAL = ("done", "filtered", "ignored")


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
def kept_loaded():
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
    event,
    settled: Outcome | None = None,
    connection: Connection | None = None,
    *,
    due_now: bool = False,
) -> tuple[Journal, bool]:
    """Insert the row in its own transaction; returns (row, whether it is new).

    `settled` is the final outcome of an event that needs no flow: the row is then written
    finished, in the same single commit. Otherwise it is written `queued`: due after a short
    grace when the request runs it itself, due at once (`due_now`) when it leaves it to the
    worker."""
    now = datetime.now(UTC)
    values = {
        "portal_id": portal.id,
        "key": event.key,
        "hook_type": event.hook_type,
        "dialog_id": event.dialog_id,
        "request_id": event.request_id,
        "client_id": event.client_id,
        "payload": event.payload,
        "status": settled.status if settled else "queued",
        "decision": settled.decision if settled else "",
        "decision_data": encode(settled.decision) if settled else None,
        "error": "",
        "attempts": 1 if settled else 0,
        "created_at": now,
        "updated_at": now,
        # the request that journals it runs it next; the worker only after a grace period
        "next_attempt_at": None
        if settled
        else now + (timedelta(0) if due_now else IN_REQUEST_GRACE),
        "lease_owner": "",
    }
    try:  # a Core insert: the intake's hot path skips the unit of work
        result = db.session.execute(insert(Journal).values(**values))
        _stamp_last_event(portal.id, connection)
        with kept_loaded():
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = db.session.execute(
            select(Journal).filter_by(portal_id=portal.id, key=event.key)
        ).scalar_one()
        return row, False
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


def start(row_id: int, owner: str, lease_seconds: float) -> bool:
    """Take one waiting (or abandoned) row: processing, leased to `owner`; only one wins."""
    now = datetime.now(UTC)
    result = db.session.execute(
        update(Journal)
        .where(Journal.id == row_id)
        .where(
            or_(
                Journal.status.in_((*WAITING, "failed")),
                (Journal.status == "processing") & (Journal.lease_until < now),
            )
        )
        .values(
            status="processing",
            attempts=Journal.attempts + 1,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
    )
    db.session.commit()
    return result.rowcount == 1


def finish(row_id: int, outcome: Outcome) -> None:
    row = db.session.get(Journal, row_id)
    row.status, row.decision, row.error = outcome.status, outcome.decision, ""
    row.decision_data, row.error_data = encode(outcome.decision), None
    row.entity_kind, row.notified = outcome.entity, outcome.notified
    row.channel_id = outcome.channel or row.channel_id
    row.took_ms = _since(row.created_at)
    row.next_attempt_at, row.lease_until = None, None
    with kept_loaded():
        db.session.commit()


def _since(created_at: datetime | None) -> int | None:
    """Milliseconds from the webhook's arrival (the row's creation) until now."""
    if created_at is None:
        return None
    if created_at.tzinfo is None:  # SQLite and Postgres `timestamp` give naive UTC back
        created_at = created_at.replace(tzinfo=UTC)
    return max(0, int((datetime.now(UTC) - created_at).total_seconds() * 1000))


def queue_now(row_id: int) -> None:
    """The request leaves the row to the worker: due at once."""
    db.session.execute(
        update(Journal)
        .where(Journal.id == row_id, Journal.status == "queued")
        .values(next_attempt_at=datetime.now(UTC))
    )
    with kept_loaded():
        db.session.commit()


def put_back(row_id: int) -> None:
    """A taken row that did not run (an earlier row of its dialog failed): queued again."""
    db.session.execute(
        update(Journal)
        .where(Journal.id == row_id, Journal.status == "processing")
        .values(status="queued", attempts=Journal.attempts - 1, lease_until=None)
    )
    db.session.commit()


def fail(row_id: int, exc: Exception) -> str:
    """A failed attempt: `retrying` at the next time of the schedule while the failure is
    transient and the horizon not reached, else `failed`. Returns the new status."""
    db.session.rollback()
    row = db.session.get(Journal, row_id)
    at = getattr(exc, "retry_at", None)
    when = next_attempt(row.created_at, row.attempts, at=at) if transient(exc) else None
    row.status = "retrying" if when else "failed"
    row.error = _waiting_words(at) if at is not None and when else describe(exc)
    row.error_data = encode(row.error)
    row.next_attempt_at, row.lease_until = when, None
    db.session.commit()
    if not when:
        log.warning("journal row %s failed: %s", row_id, row.error)
    return row.status


def _waiting_words(at: datetime) -> str:
    clock = at.strftime("%H:%M:%S")
    return _(
        "Waits until %(time)s UTC: a Bitrix24 write left unanswered may still be running there.",
        time=clock,
    )


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


def answer(row: Journal) -> dict:
    """The webhook's JSON for a row as it stands (CONTRACT §3)."""
    body = {"ok": row.status != "failed", "journal_id": row.id, "status": row.status}
    if row.decision:
        body["decision"] = row.decision
    if row.error:
        body["error"] = row.error
    if row.status == "retrying" and row.next_attempt_at:
        body["next_attempt_at"] = row.next_attempt_at.isoformat(timespec="seconds")
    return body
