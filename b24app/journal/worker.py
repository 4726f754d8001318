"""The worker loop: take a portal's lane, drain its due rows in order, hand them to the
dispatcher, store what it says. `flask --app b24app worker`, or a thread of the sandbox."""

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from ..models import Journal
from . import lanes, queue
from .record import Outcome, fail, finish, put_back

log = logging.getLogger(__name__)
CHUNK = 50  # rows handed to the dispatcher at once: one Bitrix24 batch worth of commands

# the dispatcher (flows/dispatch.py) registers itself: (portal_id, rows) → [(row_id, result)]
_hooks: dict = {"handler": None, "periodic": []}


def use(handler: Callable, periodic: list | None = None) -> None:
    """Wire the dispatcher in from above; the journal never imports the flows."""
    _hooks["handler"], _hooks["periodic"] = handler, list(periodic or [])


def handler() -> Callable:
    if _hooks["handler"] is None:
        raise RuntimeError("no dispatcher registered (journal.use)")
    return _hooks["handler"]


def settle(results) -> dict[str, int]:
    """Store each row's result: an Outcome finishes it, an exception schedules its retry (or
    fails it), None puts it back in the queue untouched."""
    counts: dict[str, int] = {}
    for row_id, result in results:
        if result is None:
            put_back(row_id)
            status = "queued"
        elif isinstance(result, Outcome):
            finish(row_id, result)
            status = result.status
        else:
            status = fail(row_id, result)
        counts[status] = counts.get(status, 0) + 1
    return counts


def run_portal(
    portal_id: int, owner: str, *, all_waiting=False, stop=None, limit: int | None = None
) -> dict | None:
    """Drain one portal's due rows under its lane; None when another worker holds the lane."""
    cfg = current_app.config
    lease = cfg["JOURNAL_LEASE_SECONDS"]
    if not lanes.take(portal_id, owner, lease):
        return None
    counts: dict[str, int] = {}
    seen: set[int] = set()
    limit = limit or cfg["JOURNAL_BATCH_ROWS"]
    try:
        while len(seen) < limit and not (stop and stop.is_set()):
            ids = queue.take(
                portal_id, owner, lease, CHUNK, all_waiting=all_waiting, exclude=frozenset(seen)
            )
            if not ids:
                break
            seen.update(ids)
            rows = [db.session.get(Journal, row_id) for row_id in ids]
            for status, n in settle(handler()(portal_id, rows)).items():
                counts[status] = counts.get(status, 0) + n
            if not lanes.renew(portal_id, owner, lease):
                break
    finally:
        lanes.release(portal_id, owner)
    return counts


def step(owner: str, stop=None) -> bool:
    """One look at the queue: drain the first portal whose lane we get. False when idle."""
    for portal_id in queue.due_portals():
        if run_portal(portal_id, owner, stop=stop) is not None:
            return True
    return False


def _periodic(last: dict) -> None:
    for name, every, task in _hooks["periodic"]:
        if time.monotonic() - last.get(name, -1e9) >= every():
            last[name] = time.monotonic()
            try:
                task()
            except Exception:  # noqa: BLE001 - upkeep never stops the loop
                log.exception("worker task %s failed", name)
                db.session.rollback()


def serve(app, stop: threading.Event, *, upkeep: bool = False, queue_work: bool = True) -> None:
    """One worker thread until `stop` is set; the batch in hand is always finished first."""
    last: dict = {}
    while not stop.is_set():
        busy = False
        with app.app_context():
            owner = lanes.owner_id()
            try:
                if upkeep:
                    _periodic(last)
                busy = step(owner, stop) if queue_work else False
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker step failed")
                db.session.rollback()
            finally:
                db.session.remove()
        if not busy:
            stop.wait(app.config["WORKER_POLL"])


def start_threads(app, stop: threading.Event, threads: int) -> list[threading.Thread]:
    """`threads` loops serving different portals at once, and one for upkeep (a slow remote
    check never holds up the queue)."""
    out = []
    for number in range(max(1, threads) + 1):
        upkeep = number == 0
        thread = threading.Thread(
            target=serve,
            args=(app, stop),
            kwargs={"upkeep": upkeep, "queue_work": not upkeep},
            name="b24app-worker-upkeep" if upkeep else f"b24app-worker-{number}",
            daemon=True,
        )
        thread.start()
        out.append(thread)
    return out
