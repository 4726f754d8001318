"""Requests per flow (Bitrix24, Chat2Desk) against the budgets, and flows per second.

Run: `python -m bench.flows [N]`. Starts the sandbox on loopback with a fresh SQLite database,
installs a simple-mode portal, connects a Chat2Desk company, maps every field, warms the caches,
then runs N incoming-message notifications and N dialog closes through real webhooks.
The app's own throttle is raised so that the numbers show the app, not the portal's rate limit.
"""

import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field

from flask_migrate import upgrade

from b24app.sandbox.runner import start
from tests.e2e.flows_world import make_world

BUDGETS = {"notify": (1, 0), "close": (2, 3)}
CLIENTS = ("Ivan Smirnov", "Alex Telegram", "Dana Widget")


@dataclass
class Tally:
    """Requests and time of one flow over all runs."""

    b24: list = field(default_factory=list)
    c2d: list = field(default_factory=list)
    seconds: float = 0.0


def _counts(world) -> tuple[int, int]:
    return len(world.b24_log()), len(world.c2d_log())


def _run(world, tally: Tally, kind: str, client_id: int) -> None:
    b24_before, c2d_before = _counts(world)
    started = time.perf_counter()
    result = world.event(kind, client_id=client_id)
    tally.seconds += time.perf_counter() - started
    assert result["statuses"] == [200], result
    b24_after, c2d_after = _counts(world)
    tally.b24.append(b24_after - b24_before)
    tally.c2d.append(c2d_after - c2d_before)


def _configure(world) -> None:
    world.set("operators", user_3="3", user_4="4", user_5="5")
    world.set(
        "analytics",
        **{
            f"deal_{k}": c
            for k, c in (
                ("utm_source", "UTM_SOURCE"),
                ("utm_medium", "UTM_MEDIUM"),
                ("utm_all", "UF_CRM_1700000001"),
                ("message_id", "UF_CRM_1700000003"),
                ("click_time", "UF_CRM_1700000005"),
            )
        },
    )
    world.set(
        "fields",
        deal_cf_1="UF_CRM_1700000007",
        deal_cf_2="UF_CRM_1700000002",
        deal_cf_3="UF_CRM_1700000004",
        deal_cf_5="UF_CRM_1700000006",
    )


def measure(n: int) -> dict[str, Tally]:
    with tempfile.TemporaryDirectory() as tmp:
        box = start(
            config={
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "B24_RATE": 10_000.0,
                "B24_BURST": 100_000,
                "SECRET_KEY": "bench-secret",
            },
            c2d_retry_delays=(0.05, 0.1, 0.2),
        )
        try:
            with box.app.app_context():
                upgrade()
            world = make_world(box, "bench", mode=2)
            _configure(world)
            ids = [world.client(name)["id"] for name in CLIENTS]
            tallies = {"notify": Tally(), "close": Tally()}
            for index in range(n):
                client_id = ids[index % len(ids)]
                _run(world, tallies["notify"], "inbox", client_id)  # reopens a closed dialog
                _run(world, tallies["close"], "close_dialog", client_id)
            return tallies
        finally:
            box.stop()


def report(tallies: dict[str, Tally], n: int) -> str:
    rows = [
        f"{'flow':<8} {'runs':>5} {'B24 max':>8} {'B24 avg':>8} {'B24 budget':>10} "
        f"{'C2D max':>8} {'C2D avg':>8} {'C2D budget':>10} {'flows/s':>8}"
    ]
    for name, tally in tallies.items():
        b24_budget, c2d_budget = BUDGETS[name]
        rows.append(
            f"{name:<8} {n:>5} {max(tally.b24):>8} {sum(tally.b24) / n:>8.2f} {b24_budget:>10} "
            f"{max(tally.c2d):>8} {sum(tally.c2d) / n:>8.2f} "
            f"{c2d_budget if name == 'close' else '-':>10} {n / tally.seconds:>8.1f}"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 30
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    tallies = measure(n)
    print(report(tallies, n))
    over = [
        name
        for name, t in tallies.items()
        if max(t.b24) > BUDGETS[name][0] or (name == "close" and max(t.c2d) > BUDGETS[name][1])
    ]
    print("over budget: " + ", ".join(over) if over else "every flow within budget")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
