"""Per-method operating time, as limits.md describes it: 10 one-minute baskets per method; a call
is refused with 429 OPERATION_TIME_LIMIT (no `time` block) while the sum exceeds the limit.

Sandbox calls take milliseconds, so a portal can charge a set number of seconds per call
(`/_control/p/<name>/operating`) to play a heavy method.
"""

from __future__ import annotations

import time
from typing import Any

from .envelope import ApiError

WINDOW = 600  # "accounted for in 10 one-minute baskets" (limits.md)


def configure(portal, limit: Any, cost: Any) -> dict[str, Any]:
    portal.operating_cfg = {
        "limit": None if limit is None else float(limit),
        "cost": float(cost or 0),
    }
    portal.operating.clear()
    return dict(portal.operating_cfg)


def _baskets(portal, method: str, now: float) -> list[list[float]]:
    """[start, seconds] per minute basket still counted (each lasts 10 minutes from its start)."""
    kept = [b for b in portal.operating.get(method, []) if b[0] + WINDOW > now]
    portal.operating[method] = kept
    return kept


def check(portal, method: str) -> None:
    """Before a call: refused while the method's sum exceeds the limit."""
    limit = portal.operating_cfg.get("limit")
    if method == "batch" or limit is None:  # the outer batch is not accounted (limits.md)
        return
    if sum(b[1] for b in _baskets(portal, method, time.time())) > limit:
        raise ApiError(
            429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."
        )


def charge(portal, method: str, started: float, finish: float) -> dict[str, Any]:
    """After a call: add its time; the `operating` and `operating_reset_at` of its answer."""
    if method == "batch":
        return {}
    baskets = _baskets(portal, method, finish)
    seconds = (finish - started) + float(portal.operating_cfg.get("cost") or 0)
    if baskets and finish - baskets[-1][0] < 60:
        baskets[-1][1] += seconds
    else:
        baskets.append([started, seconds])
    return {
        "operating": round(sum(b[1] for b in baskets), 6),
        "operating_reset_at": int(baskets[0][0]) + WINDOW,
    }
