"""`make bench`: every benchmark, SQLite (and Postgres when TEST_DATABASE_URL or
BENCH_DATABASE_URL is set), printed as one markdown table against the SPEC's budgets."""

import platform
import sys
import time

from . import burst, growth, intake, render, stats_page
from .common import Row, backends, quiet, table


def main() -> int:
    quiet()
    started = time.perf_counter()
    rows: list[Row] = []
    rows += intake.run()  # (a)
    for backend in backends():  # (b)
        rows += render.run(backend)
    rows += render.flow_rows()
    rows += burst.run()  # (c)
    rows += growth.run()  # (d)
    rows += stats_page.run()  # (e)
    print(
        f"\nb24app benchmarks — {', '.join(backends())}; Python {platform.python_version()}, "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    print(table(rows))
    missed = [row.metric for row in rows if row.ok is False]
    if missed:
        print("\nover budget: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
