"""Shared fixtures: an app on a fresh database, and the sandbox trio as real servers."""

import os
import uuid

import pytest
from flask_migrate import upgrade

from b24app import create_app
from b24app.extensions import db

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


def _database_url(backend: str, tmp_path_factory) -> str:
    if backend == "postgres":
        return os.environ["TEST_DATABASE_URL"]
    path = tmp_path_factory.mktemp("db") / f"{uuid.uuid4().hex}.sqlite3"
    return f"sqlite:///{path}"


@pytest.fixture
def app(tmp_path):
    """A bare app on a fresh SQLite database, schema from the migrations."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db",
            "SECRET_KEY": "test-secret",
            "B24_OAUTH_HOSTS": "oauth.test",
            "PUBLIC_URL": "https://app.test",
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def sandbox(request, tmp_path_factory):
    """App + fake Bitrix24 + fake Chat2Desk on loopback, on SQLite and (in CI) Postgres."""
    from b24app.sandbox.runner import start

    url = _database_url(request.param, tmp_path_factory)
    box = start(
        config={
            "SQLALCHEMY_DATABASE_URI": url,
            "B24_RATE": 500.0,
            "B24_BURST": 5000,
            "SECRET_KEY": "sandbox-test-secret",
            "WORKER_POLL": 0.1,
            "WEBHOOK_CHECK_SECONDS": 3600.0,
        },
        c2d_retry_delays=(0.05, 0.1, 0.2),
        worker=False,
    )
    with box.app.app_context():
        upgrade()
    box.start_worker()
    box.backend = request.param
    yield box
    box.stop()


@pytest.fixture
def portal_name():
    return "p" + uuid.uuid4().hex[:10]
