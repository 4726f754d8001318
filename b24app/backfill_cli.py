"""`flask --app b24app backfill`: the dry run's lines, a progress bar on a terminal, a summary."""

import sys

import click
from flask_babel import force_locale
from sqlalchemy import select

from . import backfill as service
from .extensions import db
from .i18n import normalise
from .models import Portal


def _portals(member_id: str | None) -> list[Portal]:
    query = select(Portal).filter_by(status="active").order_by(Portal.id)
    if member_id:
        query = query.filter_by(member_id=member_id)
    return [p for p in db.session.execute(query).scalars() if p.connection is not None]


def backfill(since, member_id: str | None, dry_run: bool) -> int:
    """Returns the exit code: 0, or 1 when a dialog failed or the portal is unknown."""
    from .flows.dispatch import context_for

    portals = _portals(member_id)
    if not portals:
        click.echo(f"no connected portal{' ' + member_id if member_id else ''}", err=True)
        return 1
    failed = would = 0
    for portal in portals:
        found = service.candidates(context_for(portal), since)
        if dry_run:
            report = service.dry_run(context_for(portal), found)
            for line in report.lines:
                click.echo(f"dialog {line.dialog_id}: {line.text}")
            _channels(portal, report)
            would += report.writes
            continue
        with force_locale(normalise(portal.lang)):  # the journal's words, as webhooks get them
            report = _run(portal, found)
        click.echo(f"{portal.member_id}: {len(found)} dialog(s): {_summary(report.counts)}")
        failed += report.counts.get("failed", 0) + report.counts.get("retrying", 0)
    if dry_run:
        click.echo(f"{would} dialog(s) would be written")
    return 1 if failed else 0


def _run(portal: Portal, found: list):
    if not sys.stdout.isatty():
        return service.run(portal, found)
    with click.progressbar(length=len(found), label=portal.member_id, show_pos=True) as bar:
        return service.run(portal, found, progress=lambda _n, _status: bar.update(1))


def _channels(portal: Portal, report) -> None:
    from .journal_words import channel_label

    for channel, counts in sorted(report.by_channel().items(), key=lambda kv: str(kv[0])):
        name = channel_label(portal, channel)
        click.echo(
            f"  {name}: {counts['lead']} lead(s), {counts['deal']} deal(s), "
            f"{counts['none']} without entity"
        )


def _summary(counts: dict) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing left"
