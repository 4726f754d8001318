"""Stats page: figures against a journal built with known counts per day, channel and status;
SVG charts present and labelled; the same figures as a table and as CSV (CONTRACT §3, §8)."""

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert

from b24app.extensions import db
from b24app.models import Journal

from .flows_world import make_world
from .helpers import open_app, page

TODAY = datetime.now(UTC).date()
INSERTED: list[str] = []


@pytest.fixture(autouse=True)
def _forget_built_rows(sandbox):
    """The built rows (some 'failed', with no real payload) leave with the test: other tests
    share the sandbox and retry every failed row."""
    yield
    with sandbox.app.app_context():
        db.session.execute(delete(Journal).where(Journal.key.in_(INSERTED)))
        db.session.commit()
    INSERTED.clear()


def _rows(portal_id: int, day: date, n: int, **values) -> list[dict]:
    base = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        row = {
            "portal_id": portal_id,
            "key": uuid.uuid4().hex,
            "hook_type": "inbox",
            "payload": {},
            "status": "done",
            "decision": "",
            "error": "",
            "attempts": 1,
            "notified": 0,
            "entity_kind": None,
            "channel_id": None,
            "took_ms": None,
            "created_at": base + timedelta(minutes=i),
            "updated_at": base + timedelta(minutes=i),
        }
        row.update(values)
        out.append(row)
    return out


def _build(world) -> dict:
    """Three days with known counts; one row outside the range; another portal's rows."""
    d1, d2, d3 = TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY
    with world.box.app.app_context():
        pid = world.portal().id
        rows = (
            _rows(pid, d1, 4, notified=2, took_ms=100)  # 4 events, 8 notifications
            + _rows(
                pid,
                d1,
                2,
                hook_type="close_dialog",
                entity_kind="lead",
                channel_id="1",
                took_ms=300,
            )
            + _rows(pid, d1, 1, status="failed", attempts=3, took_ms=None)
            + _rows(
                pid,
                d2,
                3,
                hook_type="close_dialog",
                entity_kind="deal",
                channel_id="2",
                attempts=2,
                took_ms=500,
            )
            + _rows(
                pid,
                d2,
                1,
                hook_type="close_dialog",
                entity_kind="none",
                channel_id="1",
                took_ms=200,
            )
            + _rows(pid, d2, 2, status="retrying", attempts=2, took_ms=None)
            + _rows(pid, d3, 1, notified=1, took_ms=10_000)
            + _rows(pid, d3, 1, hook_type="ONIMCONNECTORMESSAGEADD", took_ms=None)
            + _rows(pid, TODAY - timedelta(days=40), 5, notified=9, entity_kind="deal")
        )
        db.session.execute(insert(Journal), rows)
        db.session.commit()
    INSERTED.extend(row["key"] for row in rows)
    return {"d1": d1, "d2": d2, "d3": d3}


def _table(html: str) -> dict:
    body = html.split('id="stats-table"', 1)[1].split("</tbody>", 1)[0]
    out = {}
    for day, cells in re.findall(r'data-day="([\d-]+)">(.*?)</tr>', body, re.S):
        out[day] = [int(v) for v in re.findall(r"<td>(\d+)</td>", cells)]
    return out


def test_stats_figures_match_a_journal_with_known_counts(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    other = make_world(sandbox, portal_name + "x")
    days = _build(world)
    _build(other)  # another portal's rows never count here
    html = page(sandbox, "/settings/stats", world.frame_token).text
    table = _table(html)
    assert len(table) == 30  # default: the last 30 days, one row each, empty days too
    #                           events notif leads deals failed retried
    assert table[str(days["d1"])] == [7, 8, 2, 0, 1, 1]
    assert table[str(days["d2"])] == [6, 0, 0, 3, 2, 5]
    assert table[str(days["d3"])] == [1, 1, 0, 0, 0, 0]  # a Bitrix24 event is not a C2D event
    assert table[str(TODAY - timedelta(days=10))] == [0, 0, 0, 0, 0, 0]
    assert str(TODAY - timedelta(days=40)) not in table
    channels = dict(re.findall(r'data-channel="(\d+)">(.*?)</tr>', html, re.S))
    assert re.findall(r'data-col="\w+">(\d+)<', channels["1"]) == ["2", "0", "1"]
    assert re.findall(r'data-col="\w+">(\d+)<', channels["2"]) == ["0", "3", "0"]
    # done rows with a time: 4×100, 2×300, 3×500, 1×200, 1×10000 → median 300, p95 10000
    times = re.search(
        r'id="stats-times" data-median="(\d+)" data-p95="(\d+)" data-count="(\d+)"', html
    )
    assert times.groups() == ("300", "10000", "11")


def test_stats_range_and_csv(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    days = _build(world)
    start = TODAY - timedelta(days=45)
    resp = page(
        sandbox,
        "/settings/stats",
        world.frame_token,
        format="csv",
        **{"from": str(start), "to": str(days["d2"])},
    )
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == ["date", "events", "notifications", "leads", "deals", "failed", "retried"]
    assert len(rows) == 1 + 45  # from D-45 to D-1 inclusive
    by_day = {r[0]: r[1:] for r in rows[1:]}
    assert by_day[str(TODAY - timedelta(days=40))] == ["5", "45", "0", "5", "0", "0"]
    assert by_day[str(days["d2"])] == ["6", "0", "0", "3", "2", "5"]
    assert str(days["d3"]) not in by_day
    bad = page(sandbox, "/settings/stats", world.frame_token, **{"from": "31.12.2026"})
    assert bad.status_code == 200 and 'id="stats-error"' in bad.text
    assert len(_table(bad.text)) == 30


def test_charts_are_svg_labelled_with_numbers_beside_them(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    days = _build(world)
    html = page(sandbox, "/settings/stats", world.frame_token).text
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 2 and all("bx24" in s.lower() or "app.js" in s for s in scripts), scripts
    for chart in ("events", "notifications", "failed", "retried", "channels", "times"):
        svg = re.search(rf'<figure class="b24-chart" id="chart-{chart}">(.*?)</figure>', html, re.S)
        assert svg, chart
        body = svg.group(1)
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in body
        assert re.search(rf'<title id="chart-{chart}-title">\w', body)
        assert re.search(rf'<desc id="chart-{chart}-desc">[^<]*\d', body)
    events = re.search(r'id="chart-events">(.*?)</figure>', html, re.S).group(1)
    values = {d: v for v, d in re.findall(r'data-value="(\d+)"><title>([\d-]+):', events)}
    assert values[str(days["d1"])] == "7" and len(values) == 30
    assert "14 events in the period." in html
    ru = page(sandbox, "/settings/stats", open_app(sandbox, world.name, lang="ru")).text
    assert '<title id="chart-events-title">События по дням</title>' in ru
    assert "<th>Дата</th>" in ru
