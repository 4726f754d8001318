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
    """Two reads of one portal's period: counts by day and channel, then the times."""
    days, channels = _counts(portal_id, start, end)
    stats = Stats(start, end, days, channels)
    stats.timed, stats.median_ms, stats.p95_ms = _durations(portal_id, start, end)
    return stats


def _counts(portal_id: int, start: date, end: date) -> tuple[list[Day], list[Channel]]:
    day = func.date(Journal.created_at)
    query = _in_range(
        select(
            day,
            Journal.channel_id,
            _count(Journal.hook_type.notin_(BITRIX24_EVENTS)),
            func.coalesce(func.sum(Journal.notified), 0),
            _count(Journal.entity_kind == "lead"),
            _count(Journal.entity_kind == "deal"),
            _count(Journal.status.in_(("failed", "retrying"))),
            _count(Journal.attempts > 1),
            _count(Journal.entity_kind == "none"),
        ),
        portal_id,
        start,
        end,
    ).group_by(day, Journal.channel_id)
    by_day: dict[date, Day] = {}
    by_channel: dict[str | None, Channel] = {}
    for when, channel_id, *values in db.session.execute(query):
        one = by_day.setdefault(_as_date(when), Day(_as_date(when)))
        for name, value in zip(COLUMNS, values, strict=False):
            setattr(one, name, getattr(one, name) + int(value))
        leads, deals, none = int(values[2]), int(values[3]), int(values[6])
        if leads or deals or none:
            channel = by_channel.setdefault(channel_id, Channel(channel_id))
            channel.leads, channel.deals = channel.leads + leads, channel.deals + deals
            channel.none += none
    days = [
        by_day.get(start + timedelta(days=i), Day(start + timedelta(days=i)))
        for i in range((end - start).days + 1)
    ]
    channels = sorted(by_channel.values(), key=lambda c: (c.channel_id is None, str(c.channel_id)))
    return days, channels


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _durations(portal_id: int, start: date, end: date) -> tuple[int, int | None, int | None]:
    """Exact median and p95 (nearest rank) of webhook → done, from one grouped read."""
    query = _in_range(
        select(Journal.took_ms, func.count())
        .where(Journal.status == "done", Journal.took_ms.is_not(None))
        .group_by(Journal.took_ms),
        portal_id,
        start,
        end,
    ).order_by(Journal.took_ms)
    counts = [(int(ms), int(n)) for ms, n in db.session.execute(query)]
    total = sum(n for _ms, n in counts)
    if not total:
        return 0, None, None
    return total, _rank(counts, total, 0.5), _rank(counts, total, 0.95)


def _rank(counts: list[tuple[int, int]], total: int, fraction: float) -> int:
    wanted, seen = max(1, math.ceil(round(total * fraction, 6))), 0
    for ms, n in counts:
        seen += n
        if seen >= wanted:
            return ms
    return counts[-1][0]
