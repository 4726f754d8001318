"""The stats page (charts, table, CSV) and the journal's CSV export."""

import csv
import io
from datetime import date

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import charts, journal_words, stats
from ..extensions import db
from ..models import Journal
from .gate import require_admin

bp = Blueprint("stats", __name__)
bp.before_request(require_admin)
EXPORT_LIMIT = 100_000


def _period() -> tuple[date, date, str]:
    """`from` and `to` (YYYY-MM-DD) from the query; a bad one is named and the default used."""
    try:
        start = _day(request.args.get("from"))
        end = _day(request.args.get("to"))
        error = ""
    except ValueError:
        start = end = None
        error = _("Dates are written YYYY-MM-DD; showing the last 30 days instead.")
    start, end = stats.period(start, end)
    return start, end, error


def _day(value: str | None) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


@bp.route("/settings/stats")
def page():
    start, end, error = _period()
    figures = stats.compute(g.portal.id, start, end)
    if request.args.get("format") == "csv":
        return _csv(_stats_rows(figures), f"stats-{start}-{end}.csv")
    return render_template(
        "settings/stats.html",
        stats=figures,
        charts=_charts(figures),
        error=error,
        active="stats",
    )


def _stats_rows(figures: stats.Stats) -> list[list]:
    header = ["date", *stats.COLUMNS]
    return [header] + [[one.day.isoformat(), *one.values()] for one in figures.days]


def _charts(figures: stats.Stats) -> dict:
    labels = [one.day.isoformat() for one in figures.days]

    def series(name: str):
        return charts.columns([getattr(one, name) for one in figures.days], labels)

    channels = [journal_words.channel_label(g.portal, c.channel_id) for c in figures.channels]
    return {
        "events": series("events"),
        "notifications": series("notifications"),
        "failed": series("failed"),
        "retried": series("retried"),
        "channels": charts.rows([c.leads + c.deals + c.none for c in figures.channels], channels),
        "channel_names": channels,
        "times": charts.rows(
            [figures.median_ms or 0, figures.p95_ms or 0], [_("Median"), _("95th percentile")]
        ),
    }


@bp.route("/settings/journal/export")
def export():
    """The journal of a date range as CSV, decisions in the reader's language."""
    start, end, _error = _period()
    low, high = stats._bounds(start, end)
    query = (
        select(Journal)
        .where(Journal.portal_id == g.portal.id)
        .where(Journal.created_at >= low, Journal.created_at < high)
        .order_by(Journal.created_at, Journal.id)
        .limit(EXPORT_LIMIT)
    )
    rows = [
        ["time", "event", "hook_type", "dialog_id", "request_id", "status", "decision", "error"]
    ]
    for row in db.session.execute(query).scalars():
        rows.append(
            [
                journal_words.iso(row.created_at),
                journal_words.event_label(row.hook_type),
                row.hook_type,
                row.dialog_id or "",
                row.request_id or "",
                row.status,
                journal_words.decision_text(row),
                journal_words.error_text(row),
            ]
        )
    return _csv(rows, f"journal-{start}-{end}.csv")


def _csv(rows: list[list], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value):
    """Text from outside never becomes a spreadsheet formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
