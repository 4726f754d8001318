"""REST envelope pieces: the `time` block, typed API errors, paged results."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class ApiError(Exception):
    """A Bitrix24 REST error: HTTP status, `error` code and `error_description`."""

    def __init__(self, status: int, code: str, description: str = "") -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status, self.code, self.description = status, code, description

    def body(self) -> dict[str, str]:
        """The JSON body Bitrix24 sends for this error."""
        return {"error": self.code, "error_description": self.description}


def crm_error(description: str) -> ApiError:
    """A CRM validation error: HTTP 400 with an empty `error` code."""
    return ApiError(400, "", description)


@dataclass
class Page:
    """A list-method result: rows plus `total` and `next`."""

    items: Any
    total: int
    next: int | None = None


def paginate(rows: list[Any], start: Any, size: int = 50) -> Page:
    """Slice rows 50 at a time the way legacy list methods do."""
    try:
        offset = max(int(start or 0), 0)
    except (TypeError, ValueError):
        offset = 0
    chunk = rows[offset : offset + size]
    nxt = offset + size if offset + size < len(rows) else None
    return Page(chunk, len(rows), nxt)


def _iso(ts: float) -> str:
    """ISO 8601 with offset, as Bitrix24 renders dates."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def time_block(start: float, finish: float | None = None) -> dict[str, Any]:
    """The `time` object of every REST answer."""
    finish = finish or time.time()
    return {
        "start": round(start, 6),
        "finish": round(finish, 6),
        "duration": round(finish - start, 6),
        "processing": round(finish - start, 6),
        "date_start": _iso(start),
        "date_finish": _iso(finish),
        "operating_reset_at": int(start) + 600,
        "operating": 0,
    }


def php_map(d: dict[Any, Any]) -> Any:
    """Render a map as PHP's json_encode would: `[]` when empty, a list when keys are 0..n-1."""
    if not d:
        return []
    keys = list(d)
    if all(isinstance(k, int) for k in keys) and keys == list(range(len(keys))):
        return [d[k] for k in keys]
    return {str(k): v for k, v in d.items()}


def now_iso() -> str:
    """Current time in Bitrix24's date format."""
    return _iso(time.time())


def param(params: dict[str, Any], name: str, default: Any = None) -> Any:
    """Read a parameter the way Bitrix24 does: exact, upper- or lower-case key — the docs write
    both (bizproc-event-send.md: `EVENT_TOKEN` in its table, `event_token` in its examples)."""
    for key in (name, name.upper(), name.lower()):
        if key in params:
            return params[key]
    return default
