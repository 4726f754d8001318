"""(a) Webhook intake throughput under gunicorn, as a ratio to a bare one-row-insert endpoint.

Both run under `gunicorn -w W --threads 4` on the same kind of database; both are driven by the
same bounded load generator with `new_request` hooks (record-only: no remote call), each a new
journal row. Run alone: `python -m bench.intake [requests]`.
"""

import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from . import bare_app, seed
from .common import Row, backends, free_port, scratch_database, sibling_url, table
from .load import drive, gunicorn

WORKERS = {"sqlite": 2, "postgres": 4}  # CONTRACT §8: acceptance runs -w 2 on SQLite, -w 4 on PG
THREADS = 4
BUDGET = 0.7  # raised from 0.5 by issue 14


def payload(i: int, run: str) -> dict:
    """A Chat2Desk `new_request` hook; unique request id and event time per request."""
    return {
        "hook_type": "new_request",
        "request_id": f"{run}{i}",
        "client_id": 100 + i % 300,
        "dialog_id": 1000 + i % 500,
        "channel_id": 1,
        "operator_id": 3,
        "transport": "whatsapp",
        "type": "common",
        "by_client": True,
        "event_time": f"2024-05-01T10:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
    }


def bare_rows(url: str) -> int:
    engine = bare_app.make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(bare_app.events)).scalar_one()
    engine.dispose()
    return count


def _load(url: str, count: int, threads: int) -> tuple:
    run = uuid.uuid4().hex[:10]
    return drive(url, lambda i: payload(i, run), count, threads=threads, max_seconds=90)


def measure(backend: str, count: int = 2000, rounds: int = 2, threads: int = 8) -> dict:
    """Best-of-`rounds` requests/s of the app and of the bare endpoint, alternating."""
    secret_key = secrets.token_urlsafe(32)
    workers = WORKERS[backend]
    with scratch_database(backend) as url, tempfile.TemporaryDirectory() as logs:
        bare_url = sibling_url(url, "bare")
        hook_secret = seed.prepare(url, secret_key)
        bare_app.create_schema(bare_url)
        app_env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secret_key,
            "B24APP_SANDBOX": "1",
            "PUBLIC_URL": seed.PUBLIC_URL,
        }
        app_log, bare_log = Path(logs) / "app.log", Path(logs) / "bare.log"
        with (
            gunicorn("wsgi:app", free_port(), app_env, app_log, workers, THREADS) as app_base,
            gunicorn(
                "bench.bare_app:create_app()",
                free_port(),
                {"BARE_DATABASE_URL": bare_url},
                bare_log,
                workers,
                THREADS,
            ) as bare_base,
        ):
            app_hook, bare_hook = (
                f"{app_base}/webhooks/chat2desk/{hook_secret}",
                f"{bare_base}/hook",
            )
            runs = {"app": [], "bare": []}
            for target in (app_hook, bare_hook):  # warm both: imports, pools, page cache
                _load(target, min(count, 100), threads)
            for _ in range(rounds):
                runs["app"].append(_load(app_hook, count, threads))
                runs["bare"].append(_load(bare_hook, count, threads))
                time.sleep(0.2)
        app_rows = seed.journal_count(url, secret_key)
        stored_bare = bare_rows(bare_url)
    app_best = max(runs["app"], key=lambda load: load.rps)
    bare_best = max(runs["bare"], key=lambda load: load.rps)
    return {
        "backend": backend,
        "workers": workers,
        "app_rps": app_best.rps,
        "bare_rps": bare_best.rps,
        "ratio": app_best.rps / bare_best.rps if bare_best.rps else 0.0,
        "app_sent": sum(load.sent for load in runs["app"]) + min(count, 100),
        "bare_sent": sum(load.sent for load in runs["bare"]) + min(count, 100),
        "app_statuses": sum(
            (load.statuses for load in runs["app"]), start=type(app_best.statuses)()
        ),
        "bare_statuses": sum(
            (load.statuses for load in runs["bare"]), start=type(bare_best.statuses)()
        ),
        "app_rows": app_rows,
        "bare_rows": stored_bare,
    }


def rows(result: dict) -> list[Row]:
    backend, workers = result["backend"], result["workers"]
    label = f"intake throughput, {backend} (gunicorn -w {workers} --threads {THREADS})"
    value = (
        f"{result['app_rps']:.0f} req/s vs bare {result['bare_rps']:.0f} req/s "
        f"= {result['ratio']:.2f}"
    )
    non_200 = {k: v for k, v in result["app_statuses"].items() if k != 200}
    stored = result["app_rows"] == result["app_sent"] and not non_200
    return [
        Row(label, value, f"≥ {BUDGET:.2f}", result["ratio"] >= BUDGET),
        Row(
            f"intake answered 200 and journaled every hook, {backend}",
            f"{result['app_rows']} rows / {result['app_sent']} sent"
            + (f", other statuses {non_200}" if non_200 else ""),
            "all",
            stored,
        ),
    ]


def run(count: int = 2000) -> list[Row]:
    out = []
    for backend in backends():
        out += rows(measure(backend, count))
    return out


if __name__ == "__main__":
    print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)))
