"""Backfill: dialogs closed in Chat2Desk since a date that have no entity yet go through the
normal close flow (CONTRACT §1, §8 "backfill scope"). No Flask here beyond the app context.

find (GET /dialogs?state=closed, every page) → keep those without an entity → dry run (the close
preview, reads only) or run: each dialog becomes a `close_dialog` journal row with the key a
close webhook would have, then runs like one. The key makes a second run, or a webhook that
arrives late, do nothing twice; the Bitrix24 client's shared throttle keeps the rate limit.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select

from . import journal
from .c2d_events import C2DEvent, parse
from .clients.c2d_normalize import dialog_client_channel
from .extensions import db
from .models import Journal, Portal
from .phrases import gettext as _

PAGE = 200  # Chat2Desk's page limit (shared/reference/chat2desk.md §1 "Pagination")
MAX_DIALOGS = 20_000  # a bound on one run's reading; the next run continues where it stands
FINISHED = ("done", "filtered", "ignored")


@dataclass
class Candidate:
    dialog_id: str
    event: C2DEvent
    channel_id: str | None


@dataclass
class Line:
    """One dialog of a dry run: what a close would write now."""

    dialog_id: str
    channel_id: str | None
    kind: str | None  # lead | deal | None (nothing would be written)
    text: str


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # status → number (a run)

    @property
    def writes(self) -> int:
        return sum(1 for line in self.lines if line.kind)

    def by_channel(self) -> dict[str | None, dict[str, int]]:
        out: dict[str | None, dict[str, int]] = {}
        for line in self.lines:
            row = out.setdefault(line.channel_id, {"lead": 0, "deal": 0, "none": 0})
            row[line.kind or "none"] += 1
        return out


def ended(dialog: dict) -> datetime | None:
    """A dialog's `end`: "2025-05-26T08:21:30 UTC" or ISO 8601 (shared/reference/chat2desk.md
    §1 "Timestamps"); None when empty or unreadable."""
    text = str(dialog.get("end") or "").strip()
    if not text:
        return None
    text = text.replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def closed_since(c2d, since: date) -> Iterator[dict]:
    """Closed dialogs whose `end` ≥ since, newest first, every page (a dialog is a client's
    thread, so an old id may have closed yesterday: every page is read, up to MAX_DIALOGS)."""
    low = datetime(since.year, since.month, since.day, tzinfo=UTC)
    offset = 0
    while offset < MAX_DIALOGS:
        page, total = c2d.dialogs_page("closed", offset, PAGE)
        for dialog in page:
            moment = ended(dialog)
            if moment is not None and moment >= low and dialog.get("state", "closed") == "closed":
                yield dialog
        offset += len(page)
        if not page or len(page) < PAGE or (total and offset >= total):
            return


def close_event(dialog: dict) -> C2DEvent:
    """The `close_dialog` a webhook would have brought (ids only, CONTRACT §8)."""
    client_id, channel_id = dialog_client_channel(dialog)
    payload = {
        "hook_type": "close_dialog",
        "dialog_id": dialog.get("id"),
        "request_id": dialog.get("last_request_id") or None,
        "client_id": client_id,
        "channel_id": channel_id,
        "operator_id": dialog.get("operator_id") or None,
        "event_time": str(dialog.get("end") or ""),
        "backfill": True,
    }
    return parse({k: v for k, v in payload.items() if v not in (None, "")})


def candidates(ctx, since: date) -> list[Candidate]:
    """Closed since `since`, with no entity the app made or recorded for the dialog's request
    (or the dialog, when it names no request), and not backfilled already."""
    out = []
    for dialog in closed_since(ctx.c2d, since):
        event = close_event(dialog)
        origin = f"request:{event.request_id}" if event.request_id else f"dialog:{event.dialog_id}"
        if ctx.records.get("crm_entity", origin) is not None or _finished(ctx.portal, event.key):
            continue
        out.append(Candidate(str(event.dialog_id), event, event.channel_id))
    return out


def _finished(portal: Portal, key: str) -> bool:
    status = db.session.execute(
        select(Journal.status).filter_by(portal_id=portal.id, key=key)
    ).scalar_one_or_none()
    return status in FINISHED


def dry_run(ctx, found: list[Candidate]) -> Report:
    """What each close would write, from reads only (the journal's Preview, per dialog)."""
    from .flows import dialog_close

    report = Report()
    for one in found:
        result = dialog_close.preview(ctx, one.dialog_id)
        channel = result.get("channel_id") or one.channel_id
        if not result.get("kind") or not result.get("writes"):
            text = result.get("reason") or _(
                "nothing to write: %(entity)s", entity=result.get("entity")
            )
            report.lines.append(Line(one.dialog_id, channel, None, text))
            continue
        text = _(
            "%(entity)s (%(why)s); responsible %(user)s; contact: %(contact)s",
            entity=result["entity"],
            why=result["why"],
            user=ctx.user_label(result["responsible"]),
            contact=result["contact"],
        )
        report.lines.append(Line(one.dialog_id, channel, result["kind"], text))
    return report


def run(portal: Portal, found: list[Candidate], progress: Callable | None = None) -> Report:
    """Each dialog through the journal and the close flow, exactly once; `progress(n, status)`
    after each. A row a worker already owns, or one another run finished, is left alone."""
    report = Report()
    for number, one in enumerate(found, start=1):
        row, new = journal.record(portal, one.event)
        if new or row.status in journal.WAITING:  # run now, in the portal's lane (the queue's)
            _code, body = journal.retry(row)
            status = body.get("status", row.status)
        else:
            status = row.status
        report.counts[status] = report.counts.get(status, 0) + 1
        if progress is not None:
            progress(number, status)
    return report
