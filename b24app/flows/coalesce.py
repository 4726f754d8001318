"""Coalescing: a portal's queued rows run side by side, one thread per dialog (each dialog's
rows stay in order), and the Bitrix24 batches they ask for go out together, up to 50 commands
per request (`batch`, reference/bitrix24.md: at most 50 commands per batch). 500 queued
notifications thus need about 10 requests instead of 500.

A flow keeps calling `ctx.b24.batch(...)` as if alone; the Collector holds each call until
every running flow of the round is waiting (or a short wait passes), then sends them in as few
requests as fit. Batches that chain `$result[...]` or use `halt` go alone, unchanged, so each
close keeps its exactly-once write batch.
"""

import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale

from .. import portals
from ..clients.bitrix24 import BATCH_LIMIT, BatchResult
from ..extensions import db
from ..i18n import normalise
from ..models import Portal

COALESCE_WAIT = 1.0  # seconds a waiting batch gives the other flows of its round to catch up
_local = threading.local()  # the running row's place in the queue (per participant thread)


@dataclass
class _Slot:
    commands: dict
    order: int = 0  # the row's place in the queue: commands go out in the rows' order
    taken: bool = False
    done: bool = False
    result: BatchResult | None = None
    error: Exception | None = None
    keys: dict = field(default_factory=dict)  # prefixed key → own key


class Collector:
    """Stands in for the portal's Bitrix24 client during a coalesced run."""

    def __init__(self, client, participants: int, wait: float = COALESCE_WAIT):
        self.client, self.active, self.wait = client, participants, wait
        self.cond = threading.Condition()
        self.send_lock = threading.Lock()  # one real request at a time: the client is shared
        self.pending: list[_Slot] = []
        self.inside = 0  # participants blocked in batch()
        self.requests = 0

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self.send_lock:
                return attr(*args, **kwargs)

        return locked

    def leave(self) -> None:
        with self.cond:
            self.active -= 1
            self.cond.notify_all()

    def batch(self, commands: dict, halt: bool = False, order: int = 0) -> BatchResult:
        if halt or len(commands) > BATCH_LIMIT or "$result" in repr(commands):
            with self.send_lock:
                return self.client.batch(commands, halt=halt)
        db.session.commit()  # flows commit as they go: this only hands the connection back
        slot = _Slot(dict(commands), getattr(_local, "order", 0))
        group = self._wait_or_lead(slot)
        if group:
            self._send(group)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _wait_or_lead(self, slot: _Slot) -> list[_Slot]:
        """Block until our slot is answered, or lead the round: take every waiting slot."""
        with self.cond:
            self.pending.append(slot)
            self.inside += 1
            self.cond.notify_all()
            deadline = time.monotonic() + self.wait
            try:
                while not slot.done:
                    if not slot.taken and (
                        self.inside >= self.active or time.monotonic() >= deadline
                    ):
                        group = sorted(
                            (s for s in self.pending if not s.taken), key=lambda s: s.order
                        )
                        for s in group:
                            s.taken = True
                        self.pending = []
                        return group
                    self.cond.wait(timeout=max(0.01, deadline - time.monotonic()))
                return []
            finally:
                self.inside -= 1

    def _send(self, group: list[_Slot]) -> None:
        for chunk in _pack(group):
            cmds = {}
            for index, slot in enumerate(chunk):
                for key, command in slot.commands.items():
                    slot.keys[f"q{index}_{key}"] = key
                    cmds[f"q{index}_{key}"] = command
            try:
                with self.send_lock:
                    res = self.client.batch(cmds)
                self.requests += 1
                for slot in chunk:
                    slot.result = _share(res, slot.keys)
            except Exception as exc:  # noqa: BLE001 - each flow gets the failure of its request
                for slot in chunk:
                    slot.error = exc
            with self.cond:
                for slot in chunk:
                    slot.done = True
                self.cond.notify_all()


def _pack(group: list[_Slot]) -> list[list[_Slot]]:
    """Whole slots into chunks of at most 50 commands (a slot is never split)."""
    chunks, current, size = [], [], 0
    for slot in group:
        if current and size + len(slot.commands) > BATCH_LIMIT:
            chunks.append(current)
            current, size = [], 0
        current.append(slot)
        size += len(slot.commands)
    return [*chunks, current] if current else chunks


def _share(res: BatchResult, keys: dict) -> BatchResult:
    out = BatchResult()
    for mine, own in keys.items():
        for name in ("result", "errors", "total", "next"):
            source = getattr(res, name)
            if mine in source:
                getattr(out, name)[own] = source[mine]
    return out


def _snapshot(row) -> SimpleNamespace:
    return SimpleNamespace(
        id=row.id, hook_type=row.hook_type, payload=row.payload, dialog_id=row.dialog_id
    )


def _keeps_dialog_order(portal: Portal) -> bool:
    """Rows of one dialog run one after another when their order shows (the Open Lines relay);
    notifications alone may go out side by side, in the rows' order within the batch."""
    from .. import settings_store

    return bool(settings_store.load_all(portal).get("common", {}).get("openlines_enabled"))


def run_coalesced(portal: Portal, rows: list) -> list[tuple[int, object]]:
    """Run the rows one thread per dialog, their Bitrix24 batches coalesced; results in the
    rows' order (None: not run because an earlier row of its dialog failed)."""
    from .dispatch import _in_order

    ordered = _keeps_dialog_order(portal)
    groups: dict[str, list] = {}
    for row in rows:
        key = row.dialog_id if ordered and row.dialog_id else f"row{row.id}"
        groups.setdefault(key, []).append(_snapshot(row))
    app = current_app._get_current_object()
    collector = Collector(portals.client_for(portal), len(groups))
    results: dict[int, object] = {}
    lang, portal_id = normalise(portal.lang), portal.id  # read before the commit expires it

    def participant(group: list) -> None:
        with app.app_context(), force_locale(lang):
            try:
                mine = db.session.get(Portal, portal_id)
                failed = False
                for row in group:  # one dialog's rows in order; after a failure they wait
                    _local.order = row.id
                    [(row_id, result)] = (
                        _in_order(mine, [row], b24=collector) if not failed else [(row.id, None)]
                    )
                    results[row_id] = result
                    failed = failed or isinstance(result, Exception)
            finally:
                collector.leave()
                db.session.remove()

    threads = [threading.Thread(target=participant, args=(g,)) for g in groups.values()]
    db.session.commit()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [(row.id, results.get(row.id)) for row in rows]
