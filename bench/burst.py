"""(c) A burst of webhooks for one portal never exceeds the portal's leaky bucket.

The fake portal's bucket is enabled (rate/s, burst) and the app's own throttle is given the same
numbers; `webhooks` incoming messages (each one notification = one Bitrix24 request) are
delivered through the fake Chat2Desk from 8 threads at once. Run alone:
`python -m bench.burst [webhooks] [rate] [burst]`.
"""

import sys
from collections import Counter

from sqlalchemy import select

from b24app.extensions import db
from b24app.models import Journal
from tests.e2e.helpers import control, state

from .common import Row, backends, table
from .load import drive
from .sandbox import IVAN, connected_portal, sandbox


def measure(backend: str, webhooks: int = 500, rate: float = 20, burst: int = 50) -> dict:
    with sandbox(backend, B24_RATE=float(rate), B24_BURST=int(burst)) as box:
        world = connected_portal(box, "burst")
        client_id = world.client(IVAN)["id"]
        world.clear_logs()
        control(box, f"p/{world.name}/rate", {"rate": rate, "burst": burst})
        url = f"{box.c2d_url}/_control/c/{world.c2d_token}/events/inbox"
        budget_s = 60 + webhooks / rate * 3
        load = drive(
            url, lambda i: {"client_id": client_id, "text": f"burst {i}"}, webhooks, 8, budget_s
        )
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
        "seconds": load.seconds,
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
            f"burst: events done / Bitrix24 requests / seconds, {b}",
            f"{done} of {result['webhooks']} / {result['b24_requests']} / {result['seconds']:.1f}",
            "all done",
            done == result["webhooks"],
        ),
    ]


def run(webhooks: int = 500, rate: float = 20, burst: int = 50) -> list[Row]:
    return [row for backend in backends() for row in rows(measure(backend, webhooks, rate, burst))]


if __name__ == "__main__":
    defaults = (500, 20.0, 50)
    given = [type(d)(a) for d, a in zip(defaults, sys.argv[1:4], strict=False)]
    print(table(run(*given, *defaults[len(given) :])))
