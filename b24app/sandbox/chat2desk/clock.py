"""Time formats of Chat2Desk: client/message times, unix seconds and webhook `event_time`."""

import time
from datetime import UTC, datetime

C2D_FORMAT = "%Y-%m-%dT%H:%M:%S UTC"


def c2d_time(ts: float | None = None) -> str:
    """Chat2Desk's client/message time format: `2025-05-26T08:21:30 UTC`."""
    return datetime.fromtimestamp(time.time() if ts is None else ts, UTC).strftime(C2D_FORMAT)


def unix_time(text: str | None) -> int | None:
    """Parse `c2d_time` output back to unix seconds."""
    if not text:
        return None
    return int(datetime.strptime(text, C2D_FORMAT).replace(tzinfo=UTC).timestamp())


def event_time() -> str:
    """Webhook `event_time`: ISO-8601 UTC with microseconds and `Z`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
