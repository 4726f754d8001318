"""(b) Requests per flow: settings tab render cold and warm, plus the colleague's flow figures
(`bench/flows.py`: dialog close, notification). Run alone: `python -m bench.render`."""

from b24app import choices
from tests.e2e.helpers import page

from .common import Row, backends, table
from .sandbox import connected_portal, sandbox

TAB = "/settings/common"


def _remote(world) -> tuple[list, list]:
    b24 = [e["method"] for e in world.b24_log()]
    return b24, world.c2d_log()


def measure_render(box) -> dict:
    """Bitrix24 and Chat2Desk requests made by one cold and one warm render of a tab."""
    world = connected_portal(box, "render")
    with box.app.app_context():
        choices.invalidate(world.portal())
    world.clear_logs()
    assert page(box, TAB, world.frame_token).status_code == 200
    cold_b24, cold_c2d = _remote(world)
    world.clear_logs()
    assert page(box, TAB, world.frame_token).status_code == 200
    warm_b24, warm_c2d = _remote(world)
    return {"cold_b24": cold_b24, "cold_c2d": cold_c2d, "warm_b24": warm_b24, "warm_c2d": warm_c2d}


def render_rows(result: dict, backend: str) -> list[Row]:
    cold, warm = result["cold_b24"], result["warm_b24"]
    return [
        Row(
            f"tab render cold ({TAB}), Bitrix24 requests, {backend}",
            f"{len(cold)} ({', '.join(cold) or 'none'})",
            "1 batch",
            cold == ["batch"],
        ),
        Row(
            f"tab render cold, Chat2Desk requests (lists: tags, fields, operators, channels), "
            f"{backend}",
            str(len(result["cold_c2d"])),
        ),
        Row(
            f"tab render warm, Bitrix24 + Chat2Desk requests, {backend}",
            f"{len(warm)} + {len(result['warm_c2d'])}",
            "0",
            not warm and not result["warm_c2d"],
        ),
    ]


def flow_rows(runs: int = 10) -> list[Row]:
    """Requests per flow from the colleague's `bench/flows.py` (its own sandbox), as rows."""
    try:
        from . import flows
    except ImportError:
        return [Row("requests per flow (close, notify)", "bench/flows.py not written yet")]
    out = []
    for name, tally in flows.measure(runs).items():
        b24_budget, c2d_budget = flows.BUDGETS[name]
        out.append(
            Row(
                f"{name}: Bitrix24 requests per flow (max / avg of {runs})",
                f"{max(tally.b24)} / {sum(tally.b24) / runs:.2f}",
                f"≤ {b24_budget}",
                max(tally.b24) <= b24_budget,
            )
        )
        c2d_ok = max(tally.c2d) <= c2d_budget if name == "close" else None
        out.append(
            Row(
                f"{name}: Chat2Desk requests per flow (max / avg of {runs})",
                f"{max(tally.c2d)} / {sum(tally.c2d) / runs:.2f}",
                f"≤ {c2d_budget}" if name == "close" else "—",
                c2d_ok,
            )
        )
    return out


def run(backend: str) -> list[Row]:
    with sandbox(backend) as box:
        return render_rows(measure_render(box), backend)


if __name__ == "__main__":
    print(table([row for backend in backends() for row in run(backend)] + flow_rows()))
