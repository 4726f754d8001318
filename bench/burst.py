"""(b) A burst of webhooks for one portal: coalesced into Bitrix24 batches, never above the
portal's leaky bucket.

The fake portal's bucket is Bitrix24's (2 requests/s after a burst of 50) and the app's own
throttle is given the same numbers; `webhooks` incoming messages (one notification each) are
delivered through the fake Chat2Desk from 8 threads at once. The queue drains them in `batch`
requests of up to 50 commands: budget ≤ 15 Bitrix24 requests, all delivered within 30 s.
Run alone: `python -m bench.burst [webhooks] [rate] [burst]`.
"""

import sys
import time
from collections import Counter

from sqlalchemy import select

from b24app.extensions import db
from b24app.models import Journal
from tests.e2e.helpers import control, state

from .common import Row, backends, table
from .load import drive
from .sandbox import IVAN, connected_portal, sandbox

MAX_REQUESTS, MAX_SECONDS = 15, 30.0


def _drained(box, world, timeout: float) -> float:
    """Wait until every row of the portal left the queue; returns when (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with box.app.app_context():
            waiting = db.session.execute(
                select(Journal.id)
                .filter_by(portal_id=world.portal().id)
                .where(Journal.status.in_(("queued", "processing", "retrying")))
                .limit(1)
            ).first()
        if waiting is None:
            break
        time.sleep(0.1)
    return time.perf_counter()


def measure(backend: str, webhooks: int = 500, rate: float = 2, burst: int = 50) -> dict:
    with sandbox(backend, B24_RATE=float(rate), B24_BURST=int(burst)) as box:
        world = connected_portal(box, "burst")
        client_id = world.client(IVAN)["id"]
        world.clear_logs()
        control(box, f"p/{world.name}/rate", {"rate": rate, "burst": burst})
        url = f"{box.c2d_url}/_control/c/{world.c2d_token}/events/inbox"
        started = time.perf_counter()
        load = drive(
            url, lambda i: {"client_id": client_id, "text": f"burst {i}"}, webhooks, 8, 120
        )
        finished = _drained(box, world, 120) - started
        bucket = state(box, world.name)["rate"]
        sent = Counter(e["method"] for e in world.b24_log())
        with box.app.app_context():
            statuses = Counter(
                db.session.execute(
                    select(Journal.status).filter_by(portal_id=world.portal().id)
                ).scalars()
            )
        control(box, f"p/{world.name}/rate", {"rate": None})
    return {
        "backend": backend,
        "webhooks": webhooks,
        "delivered": load.sent,
        "seconds": finished,
        "intake_seconds": load.seconds,
        "rate": rate,
        "burst": burst,
        "peak": bucket["peak"],
        "rejected": bucket["rejected"],
        "b24_requests": sum(sent.values()),
        "journal": statuses,
    }


def rows(result: dict) -> list[Row]:
    b = result["backend"]
    done = result["journal"].get("done", 0)
    return [
        Row(
            f"{result['webhooks']}-webhook burst, peak level of the portal's bucket, {b}",
            f"{result['peak']:.1f} of {result['burst']} (rate {result['rate']:g}/s)",
            f"≤ {result['burst']}",
            result["peak"] <= result["burst"],
        ),
        Row(
            f"burst: requests Bitrix24 refused (503), {b}",
            str(result["rejected"]),
            "0",
            result["rejected"] == 0,
        ),
        Row(
            f"burst: Bitrix24 requests for {result['webhooks']} notifications, {b}",
            str(result["b24_requests"]),
            f"≤ {MAX_REQUESTS} (before: {result['webhooks']})",
            result["b24_requests"] <= MAX_REQUESTS,
        ),
        Row(
            f"burst: notifications done / seconds until the last, {b}",
            f"{done} of {result['webhooks']} / {result['seconds']:.1f} s "
            f"(webhooks answered in {result['intake_seconds']:.1f} s)",
            f"all, ≤ {MAX_SECONDS:g} s",
            done == result["webhooks"] and result["seconds"] <= MAX_SECONDS,
        ),
    ]


def run(webhooks: int = 500, rate: float = 2, burst: int = 50) -> list[Row]:
    return [row for backend in backends() for row in rows(measure(backend, webhooks, rate, burst))]


if __name__ == "__main__":
    defaults = (500, 2.0, 50)
    given = [type(d)(a) for d, a in zip(defaults, sys.argv[1:4], strict=False)]
    print(table(run(*given, *defaults[len(given) :])))
