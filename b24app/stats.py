"""The stats page's figures, computed from the journal by indexed range queries (no Flask).

Every query filters `portal_id` and a `created_at` range, so it reads the
`ix_journal_portal_created` index range of one portal and period, however big the journal.
Definitions: CONTRACT §8 "stats figures"."""

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select

from .extensions import db
from .models import Journal

DEFAULT_DAYS = 30
MAX_DAYS = 366
BITRIX24_EVENTS = ("ONIMCONNECTORMESSAGEADD", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL")
COLUMNS = ("events", "notifications", "leads", "deals", "failed", "retried")


@dataclass
class Day:
    day: date
    events: int = 0
    notifications: int = 0
    leads: int = 0
    deals: int = 0
    failed: int = 0
    retried: int = 0

    def values(self) -> list[int]:
        return [getattr(self, name) for name in COLUMNS]


@dataclass
class Channel:
    channel_id: str | None
    leads: int = 0
    deals: int = 0
    none: int = 0


@dataclass
class Stats:
    start: date
    end: date
    days: list[Day]
    channels: list[Channel] = field(default_factory=list)
    timed: int = 0  # events whose flow ran to done: the base of the median and p95
    median_ms: int | None = None
    p95_ms: int | None = None

    @property
    def totals(self) -> Day:
        total = Day(self.end)
        for one in self.days:
            for name in COLUMNS:
                setattr(total, name, getattr(total, name) + getattr(one, name))
        return total


def period(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    """The default is the last 30 days up to today (UTC); reversed ends are swapped and the
    span is capped at a year (the page names what it shows)."""
    today = today or datetime.now(UTC).date()
    end = end or (today if start is None else min(today, start + timedelta(days=DEFAULT_DAYS - 1)))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    return start, end


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Naive UTC bounds, as the column stores them (an aware bound would defeat the index on
    Postgres `timestamp`)."""
    low = datetime(start.year, start.month, start.day)  # noqa: DTZ001 - naive UTC on purpose
    return low, low + timedelta(days=(end - start).days + 1)


def _in_range(query, portal_id: int, start: date, end: date):
    low, high = _bounds(start, end)
    return query.where(
        Journal.portal_id == portal_id, Journal.created_at >= low, Journal.created_at < high
    )


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def compute(portal_id: int, start: date, end: date) -> Stats:
    days = _per_day(portal_id, start, end)
    stats = Stats(start, end, days, _per_channel(portal_id, start, end))
    stats.timed, stats.median_ms, stats.p95_ms = _durations(portal_id, start, end)
    return stats


def _per_day(portal_id: int, start: date, end: date) -> list[Day]:
    day = func.date(Journal.created_at)
    query = _in_range(
        select(
            day,
            _count(Journal.hook_type.notin_(BITRIX24_EVENTS)),
            func.coalesce(func.sum(Journal.notified), 0),
            _count(Journal.entity_kind == "lead"),
            _count(Journal.entity_kind == "deal"),
            _count(Journal.status.in_(("failed", "retrying"))),
            _count(Journal.attempts > 1),
        ),
        portal_id,
        start,
        end,
    ).group_by(day)
    found = {_as_date(row[0]): row[1:] for row in db.session.execute(query)}
    out = []
    for offset in range((end - start).days + 1):
        one = start + timedelta(days=offset)
        out.append(Day(one, *(int(v) for v in found.get(one, (0,) * len(COLUMNS)))))
    return out


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_channel(portal_id: int, start: date, end: date) -> list[Channel]:
    query = _in_range(
        select(
            Journal.channel_id,
            _count(Journal.entity_kind == "lead"),
            _count(Journal.entity_kind == "deal"),
            _count(Journal.entity_kind == "none"),
        ).where(Journal.entity_kind.is_not(None)),
        portal_id,
        start,
        end,
    ).group_by(Journal.channel_id)
    rows = [
        Channel(row[0], int(row[1]), int(row[2]), int(row[3])) for row in db.session.execute(query)
    ]
    return sorted(rows, key=lambda c: (c.channel_id is None, str(c.channel_id)))


def _durations(portal_id: int, start: date, end: date) -> tuple[int, int | None, int | None]:
    """Exact median and p95 of webhook → done: two `ORDER BY … OFFSET` reads of one period."""
    timed = _in_range(
        select(Journal.took_ms).where(Journal.status == "done", Journal.took_ms.is_not(None)),
        portal_id,
        start,
        end,
    )
    count = db.session.execute(select(func.count()).select_from(timed.subquery())).scalar_one()
    if not count:
        return 0, None, None

    def nth(fraction: float) -> int:
        index = max(0, math.ceil(round(count * fraction, 6)) - 1)  # nearest rank
        query = timed.order_by(Journal.took_ms).offset(index).limit(1)
        return int(db.session.execute(query).scalar_one())

    return count, nth(0.5), nth(0.95)
