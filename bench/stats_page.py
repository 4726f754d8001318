"""(e) The stats page with a big journal: its render time with 10³ rows of the portal, then
with 10⁶ rows of 99 other portals, then with 10⁶ more rows of the portal itself spread over a
year (a busy portal: ≈82,000 rows in the default 30-day window). Rows are generated inside the
database (generate_series / a recursive CTE). Run alone: `python -m bench.stats_page`."""

import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from b24app.extensions import db
from tests.e2e.helpers import page

from . import seed
from .common import Row, backends, median, table
from .sandbox import connected_portal, sandbox

BIG = 1_000_000
BUDGET = 1.5  # other portals' rows must not slow this portal's page

COLUMNS = (
    "portal_id, key, hook_type, dialog_id, payload, status, decision, error, attempts, "
    "created_at, updated_at, notified, entity_kind, channel_id, took_ms"
)
# one row per i: every 5th a close (lead / deal / none by turns), every 50th failed,
# every 20th retried, inboxes notify one user, times 50–5,000 ms
VALUES = (
    "{portal}, '{tag}:' || i, CASE WHEN i % 5 = 0 THEN 'close_dialog' ELSE 'inbox' END, "
    "CAST(1000 + i % 5000 AS TEXT), '{{}}', CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'done' END, "
    "'', '', CASE WHEN i % 20 = 0 THEN 2 ELSE 1 END, {stamp}, {stamp}, "
    "CASE WHEN i % 5 = 0 THEN 0 ELSE 1 END, "
    "CASE WHEN i % 5 <> 0 THEN NULL WHEN i % 3 = 0 THEN 'lead' WHEN i % 3 = 1 THEN 'deal' "
    "ELSE 'none' END, CAST(1 + i % 4 AS TEXT), 50 + (i * 37) % 4950"
)


def generate(count: int, portal_sql: str, days: int) -> None:
    """`count` rows ending now, spread evenly over `days` (inside an app context)."""
    step = days * 86400 / count
    start = (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None)
    tag = uuid.uuid4().hex[:8]
    if db.engine.dialect.name == "sqlite":
        stamp = (
            f"strftime('%Y-%m-%d %H:%M:%f', '{start:%Y-%m-%d %H:%M:%S}', "
            f"'+' || (i * {step}) || ' seconds')"
        )
        values = VALUES.format(portal=portal_sql, tag=tag, stamp=stamp)
        sql = (
            "WITH RECURSIVE n(i) AS "
            f"(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {count - 1}) "
            f"INSERT INTO journal ({COLUMNS}) SELECT {values} FROM n"
        )
    else:
        stamp = f"TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' + i * INTERVAL '{step} seconds'"
        values = VALUES.format(portal=portal_sql, tag=tag, stamp=stamp)
        sql = (
            f"INSERT INTO journal ({COLUMNS}) SELECT {values} "
            f"FROM generate_series(0, {count - 1}) AS i"
        )
    db.session.execute(text(sql))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE journal"))
        db.session.commit()


def _render_ms(box, world, count: int = 7) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        resp = page(box, "/settings/stats", world.frame_token)
        assert resp.status_code == 200 and 'id="stats-table"' in resp.text, resp.text[:300]
        times.append(time.perf_counter() - started)
    return median(times) * 1000


def _uses_index(portal_id: int) -> bool:
    """The per-day query's plan reads the portal/time index, not the whole table."""
    low = (datetime.now(UTC) - timedelta(days=30)).replace(tzinfo=None)
    query = (
        "SELECT date(created_at), count(*) FROM journal WHERE portal_id = :p "
        "AND created_at >= :low GROUP BY date(created_at)"
    )
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    plan = db.session.execute(text(prefix + query), {"p": portal_id, "low": low}).all()
    return "ix_journal_portal_created" in " ".join(str(row) for row in plan)


def measure(backend: str, big: int = BIG) -> dict:
    with sandbox(backend) as box:
        world = connected_portal(box, "stats")
        with box.app.app_context():
            pid = world.portal().id
            generate(1000, str(pid), 30)
        base = _render_ms(box, world)
        with box.app.app_context():
            others = seed.add_portals(99, prefix="s")
            assert others == list(range(others[0], others[0] + 99)), "ids not contiguous"
            generate(big, f"{others[0]} + i % 99", 365)
        crowded = _render_ms(box, world)
        with box.app.app_context():
            generate(big, str(pid), 365)
            indexed = _uses_index(pid)
        busy = _render_ms(box, world)
    return {
        "backend": backend,
        "base": base,
        "crowded": crowded,
        "busy": busy,
        "big": big,
        "indexed": indexed,
    }


def rows(result: dict) -> list[Row]:
    b, big = result["backend"], result["big"]
    ratio = result["crowded"] / result["base"]
    return [
        Row(
            f"stats page ms (median of 7), {b}",
            f"10^3 rows: {result['base']:.0f}; +{big:,} rows of 99 other portals: "
            f"{result['crowded']:.0f}; +{big:,} rows of this portal over a year: "
            f"{result['busy']:.0f}",
        ),
        Row(
            f"stats page, other portals' {big:,} rows vs none, {b}",
            f"{ratio:.2f}",
            f"≤ {BUDGET}",
            ratio <= BUDGET,
        ),
        Row(
            f"stats queries read ix_journal_portal_created, {b}",
            "yes" if result["indexed"] else "no",
            "yes",
            result["indexed"],
        ),
    ]


def run(big: int = BIG) -> list[Row]:
    return [row for backend in backends() for row in rows(measure(backend, big))]


if __name__ == "__main__":
    print(table(run()))
