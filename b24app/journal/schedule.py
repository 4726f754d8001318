"""When a row runs again: capped exponential backoff with jitter, given up after the horizon.

Like Oban's and good_job's schedules, the next attempt's time lives in the row
(`next_attempt_at`), so any worker on any host picks it up when it is due.
"""

import random
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Journal

_rng = random.SystemRandom()


def backoff(attempts: int, base: float, cap: float, rng=_rng) -> float:
    """Seconds before attempt `attempts + 1`: base·2^(n-1) up to `cap`, "equal jitter" (½…1×)
    so that rows failed together do not come back together."""
    raw = min(cap, base * 2 ** max(0, min(attempts, 40) - 1))
    return raw * (0.5 + rng.random() / 2)


def next_attempt(created_at: datetime, attempts: int, now: datetime | None = None, *, at=None):
    """The time of the next attempt, or None when the row has been retried for the horizon."""
    cfg = current_app.config
    now = now or datetime.now(UTC)
    if now - created_at >= timedelta(seconds=cfg["JOURNAL_RETRY_HORIZON"]):
        return None
    if at is not None:
        return max(at, now)
    delay = backoff(attempts, cfg["JOURNAL_RETRY_BASE"], cfg["JOURNAL_RETRY_CAP"])
    return now + timedelta(seconds=delay)


def schedule(
    portal_id: int,
    key: str,
    hook_type: str,
    payload: dict,
    at: datetime,
    *,
    dialog_id: str | None = None,
    request_id: str | None = None,
    client_id: str | None = None,
) -> bool:
    """A row that becomes due at `at` (a reminder, an escalation, a catch-up): queued, run by the
    worker when due, exactly once per key. False when the key exists already."""
    now = datetime.now(UTC)
    try:
        db.session.execute(
            insert(Journal).values(
                portal_id=portal_id,
                key=key,
                hook_type=hook_type,
                dialog_id=dialog_id,
                request_id=request_id,
                client_id=client_id,
                payload=payload,
                status="queued",
                decision="",
                error="",
                attempts=0,
                created_at=now,
                updated_at=now,
                next_attempt_at=at,
                lease_owner="",
            )
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
