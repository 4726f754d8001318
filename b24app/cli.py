"""Operator commands: `flask --app b24app journal list|retry|prune` and `sandbox`."""

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from . import journal as journal_service
from .extensions import db
from .models import Journal, Portal


def register(app: Flask) -> None:
    app.cli.add_command(journal_group)
    app.cli.add_command(sandbox_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(keys_group)
    app.cli.add_command(backfill_command)


@click.group("keys")
def keys_group():
    """SECRET_KEY rotation."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """Re-encrypt stored secrets with the current SECRET_KEY (old ones in SECRET_KEY_FALLBACKS)."""
    from .rotation import rotate

    done = rotate()
    click.echo(f"re-encrypted {done.values} secret(s) in {done.rows} row(s) with the current key")
    if done.unreadable:
        click.echo(
            f"{done.unreadable} secret(s) could not be read with any configured key: "
            "add the key they were written with to SECRET_KEY_FALLBACKS and run again",
            err=True,
        )
        sys.exit(1)


@click.group("journal")
def journal_group():
    """The Chat2Desk event journal."""


@journal_group.command("list")
@click.option("--status", default=None, help="only rows with this status (failed, done…)")
@click.option("--portal", "member_id", default=None, help="only this portal's member_id")
@click.option("--limit", default=100, show_default=True)
def journal_list(status, member_id, limit):
    """Print journal rows: time, portal, event, status, reason."""
    query = select(Journal, Portal.member_id).join(Portal, Portal.id == Journal.portal_id)
    if status:
        query = query.where(Journal.status == status)
    if member_id:
        query = query.where(Portal.member_id == member_id)
    rows = db.session.execute(query.order_by(Journal.id.desc()).limit(limit)).all()
    for row, member in rows:
        reason = row.error or row.decision
        status = row.status
        if status in ("retrying", "queued") and row.next_attempt_at:
            status += f" (next {row.next_attempt_at:%Y-%m-%d %H:%M:%S})"
        click.echo(
            f"{row.created_at:%Y-%m-%d %H:%M:%S}  {member}  {row.hook_type:<24} "
            f"{status:<9} {reason}"
        )
    click.echo(f"{len(rows)} row(s)", err=True)
    for q in journal_service.depth():
        click.echo(
            f"queue {q['member_id']}: {q['waiting']} waiting, oldest since "
            f"{q['oldest']:%Y-%m-%d %H:%M:%S}",
            err=True,
        )


@journal_group.command("retry")
@click.option("--portal", "member_id", default=None, help="only this portal's member_id")
def journal_retry(member_id):
    """Run every failed or waiting entry now, whatever its schedule, exactly once each."""
    counts: dict[str, int] = {}
    total = sum(len(journal_service.waiting_rows(p)) for p in _portals(member_id))
    with click.progressbar(length=total, label="Retrying", file=sys.stderr, show_pos=True) as bar:

        def done(rows):
            bar.update(len(rows))
            for row in rows:
                counts[row.status] = counts.get(row.status, 0) + 1
                if row.status == "retrying" and row.next_attempt_at:
                    click.echo(
                        f"\nrow {row.id}: waits until {row.next_attempt_at:%H:%M:%S} UTC "
                        f"(left to the worker): {row.error}",
                        err=True,
                    )

        journal_service.run_waiting(member_id, on_portal=done)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to retry"
    click.echo(f"retried {total}: {summary}")
    if counts.get("failed"):
        sys.exit(1)


def _portals(member_id):
    from .journal.queue import retryable_portals

    return retryable_portals(member_id)


@journal_group.command("prune")
@click.option("--days", type=int, default=None, help="keep this many days (default: config)")
def journal_prune(days):
    """Delete rows older than the retention (failed rows are kept)."""
    from .frame import prune_sessions

    click.echo(f"deleted {journal_service.prune(days)} row(s), {prune_sessions()} session(s)")


@click.command("sandbox")
@click.option("--port", default=5000, show_default=True, help="the app's port")
def sandbox_command(port):
    """Serve the app with a fake Bitrix24 portal and a fake Chat2Desk (no network needed)."""
    from .sandbox.runner import serve_forever

    serve_forever(app_port=port)


@click.command("backfill")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="dialogs closed on or after this day (YYYY-MM-DD)",
)
@click.option("--portal", "member_id", default=None, help="only this portal's member_id")
@click.option("--dry-run", is_flag=True, help="write nothing; say what would be written")
@with_appcontext
def backfill_command(since, member_id, dry_run):
    """Dialogs closed since a date that have no entity yet go through the close flow."""
    from .backfill_cli import backfill

    sys.exit(backfill(since.date(), member_id, dry_run))


@click.command("worker")
@click.option("--threads", type=int, default=None, help="portals served at once (WORKER_THREADS)")
@with_appcontext
def worker_command(threads):
    """Drain every portal's queue and retry on schedule until SIGTERM/SIGINT (the batch in hand
    is finished first)."""
    import signal
    import threading

    from flask import current_app

    from .journal.worker import start_threads

    app = current_app._get_current_object()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    count = threads or app.config["WORKER_THREADS"]
    workers = start_threads(app, stop, count)
    click.echo(f"worker: {count} thread(s), pid {__import__('os').getpid()}", err=True)
    while not stop.is_set():
        stop.wait(1.0)
    for thread in workers:
        thread.join()
    click.echo("worker: stopped", err=True)
