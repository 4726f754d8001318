"""The yardstick: a bare Flask endpoint that inserts one row per POST (SQLAlchemy Core).

Same database kind and connection settings as the app (SQLite WAL, busy timeout, foreign keys;
Postgres with pre-ping). Run under gunicorn: `gunicorn 'bench.bare_app:create_app()'` with
`BARE_DATABASE_URL` set.
"""

import json
import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

metadata = MetaData()
events = Table(
    "bench_bare_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), unique=True, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


def make_engine(url: str):
    """An engine configured the way b24app configures its own."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def pragmas(dbapi_connection, _record):
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(url: str) -> None:
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url or os.environ["BARE_DATABASE_URL"])

    @app.get("/")
    def index():
        return jsonify(ok=True)

    @app.post("/hook")
    def hook():
        body = request.get_json(silent=True, force=True) or {}
        key = f"{body.get('hook_type')}:{body.get('request_id')}:{body.get('event_time')}"
        with engine.begin() as conn:
            row_id = conn.execute(
                insert(events).values(
                    key=key[:255],
                    payload=json.dumps(body),
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                )
            ).inserted_primary_key[0]
        return jsonify(ok=True, id=row_id)

    return app
