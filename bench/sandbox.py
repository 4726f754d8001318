"""The sandbox trio (app + fake Bitrix24 + fake Chat2Desk) on a scratch database, and a
connected portal in it (the end-to-end tests' world, reused rather than rewritten)."""

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask_migrate import upgrade

from b24app.extensions import db
from b24app.sandbox.runner import start
from tests.e2e.flows_world import World, make_world

from .common import quiet, scratch_database

IVAN = "Ivan Smirnov"  # the seeded client whose operator (3) is mapped below


@contextmanager
def sandbox(backend: str, **config) -> Iterator[object]:
    """Start the trio on a fresh database; everything is stopped and dropped afterwards."""
    with scratch_database(backend) as url:
        box = start(
            config={
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "LOG_LEVEL": "WARNING",
                **config,
            },
            c2d_retry_delays=(0.05, 0.1, 0.2),
            worker=False,
        )
        with box.app.app_context():
            upgrade()
        box.start_worker()  # the queue's worker loop, as under `make run`
        quiet()
        try:
            yield box
        finally:
            box.stop()
            with box.app.app_context():
                db.session.remove()
                db.engine.dispose()


def connected_portal(box, prefix: str = "bench") -> World:
    """Install, open and connect a new portal; notifications go to user 3 (one request each)."""
    world = make_world(box, f"{prefix}{uuid.uuid4().hex[:8]}")
    world.set("operators", user_3="3")
    return world


def webhook_url(box, world: World) -> str:
    with box.app.app_context():
        return f"{box.app_url}/webhooks/chat2desk/{world.portal().connection.secret}"
