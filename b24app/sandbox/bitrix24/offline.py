"""The offline event queue: events bound with `event_type=offline` wait here for the app.

event.offline.get / clear / error / list as api-reference/events/event-offline-*.md describe them.
"""

from __future__ import annotations

import uuid
from typing import Any

from .crm_store import matches
from .envelope import ApiError, Page, now_iso, param
from .registry import Ctx, method

PAGE = 50  # event.offline.list: "The page size of results is always static: 50 records"


def queue(portal, event: str, data: Any, user_id: int | None) -> None:
    """Keep one record per offline binding of the event (call under the lock)."""
    for bound in portal.events:
        if bound["event"] == event and bound.get("offline"):
            rid = portal.next_id("offline_event")
            portal.offline_events.append(
                {
                    "ID": str(rid),
                    "TIMESTAMP_X": now_iso(),
                    "EVENT_NAME": event,
                    "EVENT_DATA": data if data else False,
                    "EVENT_ADDITIONAL": {"user_id": str(user_id)} if user_id else False,
                    "MESSAGE_ID": str(rid),
                    "PROCESS_ID": "",
                    "ERROR": "0",
                }
            )


def _ordered(rows: list[dict], order: Any, default: str) -> list[dict]:
    spec = order if isinstance(order, dict) and order else {default: "ASC"}
    for key, way in reversed(list(spec.items())):
        rows = sorted(rows, key=_sort_key(str(key).upper()), reverse=str(way).upper() == "DESC")
    return rows


def _sort_key(code: str):
    def key(row: dict):
        value = str(row.get(code, ""))
        return (0, int(value), "") if value.isdigit() else (1, 0, value)

    return key


def _ids(value: Any) -> set[str]:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return {str(v) for v in items}


@method("event.offline.get")
def offline_get(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Select (and by default delete) queued records; `clear=0` reserves them for a process."""
    queue_ = ctx.portal.offline_events
    process = str(param(params, "process_id") or "")
    want_errors = str(param(params, "error", "0")) == "1"
    rows = [
        r
        for r in queue_
        if (r["ERROR"] == "1") == want_errors
        and r["PROCESS_ID"] in ("", process)
        and matches(r, param(params, "filter") or {})
    ]
    rows = _ordered(rows, param(params, "order"), "TIMESTAMP_X")
    rows = rows[: int(param(params, "limit", PAGE) or PAGE)]
    shown = [{k: r[k] for k in r if k not in ("PROCESS_ID", "ERROR")} for r in rows]
    if str(param(params, "clear", "1")) == "1":
        picked = {id(r) for r in rows}
        queue_[:] = [r for r in queue_ if id(r) not in picked]
        return {"process_id": None, "events": shown}
    process = process or uuid.uuid4().hex
    for r in rows:
        r["PROCESS_ID"] = process
    return {"process_id": process, "events": shown}


def _process(ctx: Ctx, params: dict[str, Any]) -> list[dict]:
    process = str(param(params, "process_id") or "")
    if not process:
        raise ApiError(400, "ERROR_ARGUMENT", "Argument 'process_id' is null or empty")
    return [r for r in ctx.portal.offline_events if r["PROCESS_ID"] == process]


@method("event.offline.clear")
def offline_clear(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Delete a process's records (all, or those named by `id` / `message_id`)."""
    mine = _process(ctx, params)
    ids, messages = _ids(param(params, "id")), _ids(param(params, "message_id"))
    drop = [
        r
        for r in mine
        if (r["ID"] in ids if ids else r["MESSAGE_ID"] in messages if messages else True)
    ]
    picked = {id(r) for r in drop}
    ctx.portal.offline_events[:] = [r for r in ctx.portal.offline_events if id(r) not in picked]
    return True


@method("event.offline.error")
def offline_error(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Mark a process's records (by `message_id`) as erroneous."""
    messages = _ids(param(params, "message_id"))
    for r in _process(ctx, params):
        if r["MESSAGE_ID"] in messages:
            r["ERROR"] = "1"
    return True


@method("event.offline.list")
def offline_list(ctx: Ctx, params: dict[str, Any]) -> Page:
    """Every queued record, 50 a page (`start`), with PROCESS_ID and ERROR."""
    rows = [r for r in ctx.portal.offline_events if matches(r, param(params, "filter") or {})]
    rows = _ordered(rows, param(params, "order"), "ID")
    start = int(param(params, "start", 0) or 0)
    page = [dict(r) for r in rows[start : start + PAGE]]
    nxt = start + PAGE if start + PAGE < len(rows) else None
    return Page(page, len(rows), nxt)
