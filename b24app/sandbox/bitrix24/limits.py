"""Leaky-bucket rate limit and queued faults of a portal."""

from __future__ import annotations

import time
from typing import Any

from .envelope import ApiError
from .state import Portal

FAULTS = {
    "503": ApiError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests"),
    "429": ApiError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."),
    "500": ApiError(500, "INTERNAL_SERVER_ERROR", "Internal server error"),
    "after_write": ApiError(500, "INTERNAL_SERVER_ERROR", "Internal server error"),
}


def admit(portal: Portal) -> bool:
    """Count one request in the bucket; False (and a 503 counted) when it overflows."""
    bucket = portal.rate
    if bucket["rate"] is None:
        return True
    now = time.monotonic()
    elapsed = now - bucket["last"] if bucket["last"] else 0.0
    bucket["level"] = max(0.0, bucket["level"] - elapsed * float(bucket["rate"]))
    bucket["last"] = now
    if bucket["level"] + 1 > float(bucket["burst"]):
        bucket["rejected"] += 1
        return False
    bucket["level"] += 1
    bucket["peak"] = max(bucket["peak"], bucket["level"])
    return True


def configure(portal: Portal, rate: Any, burst: Any) -> dict[str, Any]:
    """Enable (or disable with rate None) the bucket and reset its counters."""
    portal.rate.update(
        {
            "rate": None if rate is None else float(rate),
            "burst": int(burst or 50),
            "level": 0.0,
            "last": 0.0,
            "peak": 0.0,
            "rejected": 0,
        }
    )
    return portal.rate


def take_fault(portal: Portal, methods: list[str]) -> dict[str, Any] | None:
    """Consume the first queued fault matching the request's method or batch sub-methods."""
    top = methods[0] if methods else ""
    for fault in portal.faults:
        target = str(fault.get("method", "*")).lower()
        hit = target == "*" or target == top or target in methods[1:]
        if hit and fault.get("count", 1) > 0:
            fault["count"] = fault.get("count", 1) - 1
            fault["fired"] = fault.get("fired", 0) + 1
            return dict(fault)
    return None
