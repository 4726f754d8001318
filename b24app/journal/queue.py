"""The queue's reads and takes: which portals have due work, which of their rows run next."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Journal, Lane, Portal
from .record import WAITING


def _due(now: datetime):
    return or_(
        and_(Journal.status.in_(WAITING), Journal.next_attempt_at <= now),
        and_(Journal.status == "processing", Journal.lease_until < now),
    )


def due_portals(limit: int = 20) -> list[int]:
    """Portals with due rows whose lane is free, the longest-waiting first."""
    now = datetime.now(UTC)
    lane_free = or_(Lane.lease_until.is_(None), Lane.lease_until < now)
    query = (
        select(Journal.portal_id, func.min(Journal.id).label("first"))
        .outerjoin(Lane, Lane.portal_id == Journal.portal_id)
        .where(_due(now), lane_free)
        .group_by(Journal.portal_id)
        .order_by("first")
        .limit(limit)
    )
    return [pid for pid, _first in db.session.execute(query)]


def take(
    portal_id: int,
    owner: str,
    lease_seconds: float,
    limit: int,
    *,
    all_waiting: bool = False,
    exclude: frozenset = frozenset(),
) -> list[int]:
    """Lease the portal's next runnable rows, oldest first, keeping each dialog's order: a row
    waiting for its retry holds back the later rows of its dialog. `all_waiting` ignores the
    schedule (`journal retry`, the Retry button)."""
    now = datetime.now(UTC)
    rows = db.session.execute(
        select(
            Journal.id,
            Journal.status,
            Journal.next_attempt_at,
            Journal.lease_until,
            Journal.dialog_id,
            Journal.attempts,
        )
        .where(Journal.portal_id == portal_id)
        .where(Journal.status.in_((*WAITING, "processing", *(("failed",) if all_waiting else ()))))
        .order_by(Journal.id)
        .limit(limit * 5)
    ).all()
    held, taken = set(), []
    for row in rows:
        runnable = row.id not in exclude and _runnable(row, now, all_waiting)
        if not runnable:
            if row.status != "queued" or row.attempts:  # a scheduled reminder holds back nothing
                held.add(row.dialog_id or f"row{row.id}")
            continue
        if row.dialog_id and row.dialog_id in held:
            continue
        taken.append(row.id)
        if len(taken) >= limit:
            break
    if not taken:
        return []
    statuses = (*WAITING, "failed") if all_waiting else WAITING
    stale = and_(Journal.status == "processing", Journal.lease_until < now)
    until, won = now + timedelta(seconds=lease_seconds), []
    for row_id in taken:
        result = db.session.execute(
            update(Journal)
            .where(Journal.id == row_id, or_(Journal.status.in_(statuses), stale))
            .values(
                status="processing",
                attempts=Journal.attempts + 1,
                lease_owner=owner,
                lease_until=until,
                updated_at=now,
            )
        )
        if result.rowcount:
            won.append(row_id)
    db.session.commit()
    return won


def _runnable(row, now: datetime, all_waiting: bool) -> bool:
    if row.status == "processing":
        return row.lease_until is not None and row.lease_until < now
    if all_waiting:
        return True
    return row.next_attempt_at is not None and row.next_attempt_at <= now


def waiting_before(portal_id: int, row: Journal) -> bool:
    """An earlier row holds this one back: the portal's queue is not empty, or this dialog has
    an earlier row waiting for its retry."""
    now = datetime.now(UTC)
    same_dialog = Journal.dialog_id == row.dialog_id if row.dialog_id else False
    query = (
        select(Journal.id)
        .where(Journal.portal_id == portal_id, Journal.id < row.id)
        .where(
            or_(
                and_(Journal.status == "queued", Journal.next_attempt_at <= now),
                Journal.status == "processing",
                and_(Journal.status == "retrying", same_dialog),
            )
        )
        .limit(1)
    )
    return db.session.execute(query).first() is not None


def portal_due(portal_id: int | None = None) -> int:
    """Rows (of one portal, or of all) being processed, or due and not held back by an earlier
    row of their dialog that waits for its retry."""
    now = datetime.now(UTC)
    earlier = aliased(Journal)
    held = (
        select(earlier.id)
        .where(earlier.portal_id == Journal.portal_id, earlier.id < Journal.id)
        .where(earlier.dialog_id == Journal.dialog_id, earlier.status == "retrying")
        .exists()
    )
    query = select(func.count(Journal.id)).where(
        or_(
            and_(Journal.status == "queued", Journal.next_attempt_at <= now, ~held),
            Journal.status == "processing",
        )
    )
    if portal_id is not None:
        query = query.where(Journal.portal_id == portal_id)
    return db.session.execute(query).scalar_one()


def depth() -> list[dict]:
    """Per portal: rows waiting (queued, processing, retrying) and the oldest one's time."""
    query = (
        select(
            Portal.member_id,
            Journal.portal_id,
            func.count(Journal.id),
            func.min(Journal.created_at),
            func.min(Journal.next_attempt_at),
        )
        .join(Portal, Portal.id == Journal.portal_id)
        .where(Journal.status.in_((*WAITING, "processing")))
        .group_by(Portal.member_id, Journal.portal_id)
        .order_by(func.min(Journal.created_at))
    )
    return [
        {"member_id": m, "portal_id": p, "waiting": n, "oldest": oldest, "next": nxt}
        for m, p, n, oldest, nxt in db.session.execute(query)
    ]


def portal_depth(portal_id: int) -> tuple[int, datetime | None]:
    count, oldest = db.session.execute(
        select(func.count(Journal.id), func.min(Journal.created_at)).where(
            Journal.portal_id == portal_id, Journal.status.in_((*WAITING, "processing"))
        )
    ).one()
    return count, oldest


def retryable_portals(member_id: str | None = None) -> list[int]:
    """Portals with failed or waiting rows (`journal retry`)."""
    query = select(Journal.portal_id).where(Journal.status.in_((*WAITING, "failed", "processing")))
    if member_id:
        query = query.join(Portal, Portal.id == Journal.portal_id).where(
            Portal.member_id == member_id
        )
    return sorted(set(db.session.execute(query).scalars()))
