"""One lane per portal: whoever holds a portal's lane lease does its Bitrix24 work, nobody else.

The lease is a row (`lane`), taken with a conditional UPDATE that only one transaction can win
on any backend; on Postgres the candidate lanes are read `FOR UPDATE SKIP LOCKED` first, so
workers on several hosts never queue behind each other's locks. A holder that dies simply lets
its lease lapse.
"""

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Lane

_HOST = socket.gethostname()[:40]


def owner_id() -> str:
    """host:pid:thread, so a lease (and the journal) says who holds it."""
    return f"{_HOST}:{os.getpid()}:{threading.get_ident()}"[:96]


def _free(now: datetime):
    return or_(Lane.lease_until.is_(None), Lane.lease_until < now)


def take(portal_id: int, owner: str, seconds: float) -> bool:
    """Lease the portal's lane for `seconds`; False when someone else holds it."""
    now = datetime.now(UTC)
    until = now + timedelta(seconds=seconds)
    if db.engine.dialect.name == "postgresql":
        locked = db.session.execute(
            select(Lane.portal_id)
            .where(Lane.portal_id == portal_id, _free(now))
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if locked is None and _exists(portal_id):
            db.session.rollback()
            return False
    result = db.session.execute(
        update(Lane)
        .where(Lane.portal_id == portal_id, _free(now))
        .values(owner=owner, lease_until=until)
    )
    if result.rowcount == 1:
        db.session.commit()
        return True
    db.session.rollback()
    try:  # the portal's first lease: the row itself is the lock
        db.session.execute(insert(Lane).values(portal_id=portal_id, owner=owner, lease_until=until))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def _exists(portal_id: int) -> bool:
    return db.session.get(Lane, portal_id) is not None


def renew(portal_id: int, owner: str, seconds: float) -> bool:
    """Extend our own lease; False when it lapsed and someone else took the lane."""
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    result = db.session.execute(
        update(Lane)
        .where(Lane.portal_id == portal_id, Lane.owner == owner)
        .values(lease_until=until)
    )
    db.session.commit()
    return result.rowcount == 1


def release(portal_id: int, owner: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(Lane)
        .where(Lane.portal_id == portal_id, Lane.owner == owner)
        .values(owner="", lease_until=None)
    )
    db.session.commit()


def busy(portal_id: int) -> bool:
    """Someone holds the lane right now (read only)."""
    lane = db.session.get(Lane, portal_id)
    until = lane.lease_until if lane is not None else None
    return until is not None and until >= datetime.now(UTC)
