"""The event journal as a durable per-portal queue (CONTRACT §3, §6; STYLE habit 17).

record (journal first) → lanes (one worker per portal's Bitrix24 work) → queue (due rows, in
each dialog's order) → schedule (backoff, next attempt) → worker (the loop). The journal stays
below the flows: the dispatcher registers itself with `use` and gets rows handed to it.
"""

from .admin import _last_prune, failed_rows, prune, prune_due, retry, run_waiting, waiting_rows  # noqa: F401
from .lanes import owner_id
from .queue import depth, portal_depth
from .record import (
    FINAL,
    WAITING,
    Outcome,
    answer,
    describe,
    fail,
    finish,
    queue_now,
    record,
    start,
    transient,
)
from .schedule import backoff, next_attempt, schedule
from .worker import run_portal, settle, use

__all__ = [
    "FINAL",
    "WAITING",
    "Outcome",
    "answer",
    "backoff",
    "depth",
    "describe",
    "fail",
    "failed_rows",
    "finish",
    "next_attempt",
    "owner_id",
    "portal_depth",
    "prune",
    "prune_due",
    "queue_now",
    "record",
    "retry",
    "run_portal",
    "run_waiting",
    "schedule",
    "settle",
    "start",
    "transient",
    "use",
    "waiting_rows",
]
