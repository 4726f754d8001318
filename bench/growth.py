"""(d) Cost growth: intake and warm tab render with 1, 10, 100 portals, then with 10⁴ journal
rows of other portals. Indexes should keep every ratio near 1. Run alone: `python -m bench.growth`.
"""

import time

import requests

from b24app import choices
from b24app.extensions import db
from tests.e2e.helpers import page

from . import seed
from .common import Row, backends, median, table
from .intake import payload
from .sandbox import connected_portal, sandbox, webhook_url

PORTALS = (1, 10, 100)
JOURNAL_ROWS = 10_000
BUDGET = 1.5  # "stays ~1": allows the noise of a shared machine


def _timed(call, count: int) -> float:
    """Median seconds of `count` sequential calls (bounded in count)."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return median(times)


def _sample(box, world, hook: str, run: str, count: int) -> tuple[float, float]:
    session, index = requests.Session(), iter(range(10**9))

    def intake():
        resp = session.post(hook, json=payload(next(index), run), timeout=30)
        assert resp.status_code == 200, resp.text[:300]

    def render():
        assert page(box, "/settings/common", world.frame_token).status_code == 200

    render()  # warm the lists
    return _timed(intake, count), _timed(render, max(10, count // 4))


def measure(backend: str, count: int = 100) -> dict:
    with sandbox(backend) as box:
        world = connected_portal(box, "growth")
        hook = webhook_url(box, world)
        with box.app.app_context():
            choices.bitrix(world.portal(), refresh=True)
        stages, others = {}, []
        for total in PORTALS:
            with box.app.app_context():
                others += seed.add_portals(total - 1 - len(others), prefix=f"g{total}-")
            stages[f"{total} portals"] = _sample(box, world, hook, f"p{total}-", count)
        with box.app.app_context():
            seed.add_journal_rows(JOURNAL_ROWS, others)
            db.session.remove()
        stages["+10^4 journal rows"] = _sample(box, world, hook, "j-", count)
    return {"backend": backend, "stages": stages}


def rows(result: dict) -> list[Row]:
    b, stages = result["backend"], result["stages"]
    ms = {name: (i * 1000, r * 1000) for name, (i, r) in stages.items()}
    first, many, grown = ms["1 portals"], ms[f"{PORTALS[-1]} portals"], ms["+10^4 journal rows"]
    out = [
        Row(
            f"growth: intake / warm render ms (median), {b}",
            ", ".join(f"{name}: {i:.1f} / {r:.1f}" for name, (i, r) in ms.items()),
        )
    ]
    for what, k in (("intake", 0), ("warm tab render", 1)):
        for label, before, after in (
            (f"{PORTALS[-1]} vs 1 portal", first, many),
            (f"+{JOURNAL_ROWS} journal rows vs none", many, grown),
        ):
            ratio = after[k] / before[k] if before[k] else 0.0
            out.append(
                Row(
                    f"growth: {what} time, {label}, {b}",
                    f"{ratio:.2f}",
                    f"≤ {BUDGET}",
                    ratio <= BUDGET,
                )
            )
    return out


def run(count: int = 100) -> list[Row]:
    return [row for backend in backends() for row in rows(measure(backend, count))]


if __name__ == "__main__":
    print(table(run()))
