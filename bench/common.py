"""What every benchmark shares: result rows, the table, scratch databases, backends."""

import logging
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, make_url, text


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured figure, its budget and whether it is met."""

    metric: str
    value: str
    budget: str = "—"
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**NO**", None: "—"}[self.ok]


def table(rows: list[Row]) -> str:
    """The rows as one markdown table."""
    lines = ["| metric | value | budget | ok |", "|---|---|---|---|"]
    lines += [f"| {r.metric} | {r.value} | {r.budget} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def postgres_url() -> str | None:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or None


def backends() -> list[str]:
    """SQLite always; Postgres when a database URL is given in the environment."""
    return ["sqlite"] + (["postgres"] if postgres_url() else [])


@contextmanager
def scratch_database(backend: str) -> Iterator[str]:
    """A fresh, empty database URL: a temporary SQLite file, or a new Postgres schema.

    On Postgres the schema (and nothing else) is dropped afterwards.
    """
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="b24bench-") as folder:
            yield f"sqlite:///{folder}/{uuid.uuid4().hex}.sqlite3"
        return
    base = make_url(postgres_url())
    schema = f"b24bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def sibling_url(url: str, name: str) -> str:
    """Another database of the same kind next to `url` (a second SQLite file; same schema)."""
    if url.startswith("sqlite:///"):
        folder = os.path.dirname(url[len("sqlite:///") :])
        return f"sqlite:///{folder}/{name}.sqlite3"
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def quiet() -> None:
    """Keep request and migration logs out of the table (Alembic's config raises them)."""
    for name in ("werkzeug", "alembic", "b24app"):
        logging.getLogger(name).setLevel(logging.WARNING)
