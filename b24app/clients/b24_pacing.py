"""Pace a Bitrix24 method by the `operating` / `operating_reset_at` of its last answers.

limits.md: each method's execution time is summed over 10 one-minute baskets; once the sum passes
the limit (480 s in its example) the next call gets 429 OPERATION_TIME_LIMIT, whose body carries no
`time` block. "For the first retry, refer to operating_reset_at from the last successful response."
So the client remembers both per portal and method, holds a method back when it is near the limit,
and knows when to try again after a 429.
"""

import threading
import time

LIMIT = 480.0  # the limit of limits.md's example (cloud portals)
PACE_AT = 0.9 * LIMIT  # hold a method back once its last answer showed this much
_seen: dict[tuple[str, str], tuple[float, float]] = {}  # (endpoint, method) → (operating, reset)
_lock = threading.Lock()


def note(endpoint: str, method: str, block) -> None:
    """Remember what a successful answer's `time` block said about the method."""
    if not method or not isinstance(block, dict) or "operating" not in block:
        return
    try:
        operating = float(block.get("operating") or 0)
        reset = float(block.get("operating_reset_at") or 0)
    except (TypeError, ValueError):
        return
    with _lock:
        _seen[(endpoint, method.lower())] = (operating, reset)


def reset_at(endpoint: str, method: str) -> float | None:
    """When the method's oldest basket leaves the sum, if a past answer told."""
    with _lock:
        seen = _seen.get((endpoint, method.lower()))
    return seen[1] if seen and seen[1] > time.time() else None


def wait_before(endpoint: str, method: str) -> float:
    """Seconds to hold the method back (0 = go): near the limit and its reset still ahead."""
    with _lock:
        seen = _seen.get((endpoint, method.lower()))
    if not seen or seen[0] < PACE_AT:
        return 0.0
    return max(0.0, seen[1] - time.time())


def wait_for(endpoint: str, method: str, params: dict) -> float:
    """How long to hold a call back: the longest wait of the method (each batch sub-method)."""
    names = [method]
    if method == "batch" and isinstance(params.get("cmd"), dict):
        names = [str(c).split("?", 1)[0] for c in params["cmd"].values()]
    return max((wait_before(endpoint, n) for n in names), default=0.0)


def note_answer(endpoint: str, method: str, body: dict, batch_methods: dict) -> None:
    """Remember the answer's operating figures (per sub-call for a batch: the outer `batch` is
    not accounted, its nested calls are — limits.md)."""
    if method != "batch":
        note(endpoint, method, body.get("time"))
        return
    result = body.get("result") if isinstance(body.get("result"), dict) else {}
    times = result.get("result_time") if isinstance(result.get("result_time"), dict) else {}
    for key, block in times.items():
        note(endpoint, batch_methods.get(str(key), ""), block)


def forget(endpoint: str) -> None:
    """Drop what is known about a portal (tests; a renamed portal)."""
    with _lock:
        for key in [k for k in _seen if k[0] == endpoint]:
            del _seen[key]
