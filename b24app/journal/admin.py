"""What an operator or admin does to the journal: run rows now, list what failed, prune."""

import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import Journal, Portal
from . import lanes, queue, worker
from .record import FINAL, answer, start

LANE_WAIT = 5.0  # seconds `retry` waits for a portal's lane before leaving the row to the worker


def _take_lane(portal_id: int, owner: str, wait: float) -> bool:
    deadline = time.monotonic() + wait
    lease = current_app.config["JOURNAL_LEASE_SECONDS"]
    while not lanes.take(portal_id, owner, lease):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def due_now(row_id: int) -> None:
    """Make a waiting or failed row due at once (the worker runs it next)."""
    db.session.execute(
        update(Journal)
        .where(Journal.id == row_id, Journal.status.in_(("queued", "retrying", "failed")))
        .values(status="queued", next_attempt_at=datetime.now(UTC))
    )
    db.session.commit()


def retry(row: Journal, wait: float = LANE_WAIT) -> tuple[int, dict]:
    """Run one failed or waiting row now, whatever its schedule (exactly-once: only if we win
    it). When its portal's lane stays busy, the row is made due and left to the worker."""
    if row.status in FINAL:
        return 200, {**answer(row), "duplicate": True}
    owner, cfg = lanes.owner_id(), current_app.config
    if not _take_lane(row.portal_id, owner, wait):
        due_now(row.id)
        db.session.refresh(row)
        return 200, answer(row)
    try:
        if not start(row.id, owner, cfg["JOURNAL_LEASE_SECONDS"]):
            db.session.refresh(row)
            return 200, {**answer(row), "duplicate": True}
        worker.settle(worker.handler()(row.portal_id, [db.session.get(Journal, row.id)]))
    finally:
        lanes.release(row.portal_id, owner)
    db.session.refresh(row)
    return 200, answer(row)


def run_waiting(member_id: str | None = None, on_portal=None) -> list[Journal]:
    """`journal retry`: every failed or waiting row of each portal, now, in order. Returns the
    rows run (refreshed)."""
    owner, ran = lanes.owner_id(), []
    for portal_id in queue.retryable_portals(member_id):
        before = [r.id for r in waiting_rows(portal_id)]
        deadline = time.monotonic() + current_app.config["JOURNAL_LEASE_SECONDS"]
        while worker.run_portal(portal_id, owner, all_waiting=True, limit=10**9) is None:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        rows = [db.session.get(Journal, row_id) for row_id in before]
        for row in rows:
            db.session.refresh(row)
        ran.extend(rows)
        if on_portal:
            on_portal(rows)
    return ran


def waiting_rows(portal_id: int) -> list[Journal]:
    return list(
        db.session.execute(
            select(Journal)
            .where(Journal.portal_id == portal_id)
            .where(Journal.status.in_(("queued", "retrying", "failed", "processing")))
            .order_by(Journal.id)
        ).scalars()
    )


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
    """Delete finished rows older than the retention (failed and waiting rows are kept)."""
    days = days if days is not None else current_app.config["JOURNAL_RETENTION_DAYS"]
    cutoff = datetime.now(UTC) - timedelta(days=days)
    result = db.session.execute(
        delete(Journal).where(Journal.created_at < cutoff).where(Journal.status.in_(FINAL))
    )
    db.session.commit()
    return result.rowcount
