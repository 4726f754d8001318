"""Rows written straight into the app's database: portals, connections, journal history."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from b24app import create_app
from b24app.crypto import digest
from b24app.extensions import db
from b24app.models import Connection, Journal, Portal

from .common import quiet

PUBLIC_URL = "http://127.0.0.1:9"


def app_config(url: str, secret_key: str, **extra) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secret_key,
        "B24APP_SANDBOX": True,
        "PUBLIC_URL": PUBLIC_URL,
        **extra,
    }


def add_portal(name: str) -> tuple[Portal, str]:
    """An active portal with a Chat2Desk connection; returns (portal, webhook secret)."""
    portal = Portal(
        member_id=f"{name}-{uuid.uuid4().hex[:8]}",
        domain=f"{name}.bench.invalid",
        client_endpoint=f"http://127.0.0.1:9/{name}/rest/",
        server_endpoint="http://127.0.0.1:9/oauth/",
        access_token=secrets.token_hex(16),
        refresh_token=secrets.token_hex(16),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        application_token=secrets.token_hex(16),
        scope="crm,im,imbot,imopenlines,user",
        admin_user_ids=[1],
        installer_user_id=1,
    )
    secret = secrets.token_urlsafe(24)
    portal.connection = Connection(
        api_token=secrets.token_hex(16),
        api_url="http://127.0.0.1:9/v1",
        secret=secret,
        secret_digest=digest(secret),
    )
    db.session.add(portal)
    return portal, secret


def add_portals(count: int, prefix: str = "other") -> list[int]:
    """`count` more portals (inside an app context); returns their ids."""
    portals = [add_portal(f"{prefix}{i}")[0] for i in range(count)]
    db.session.commit()
    return [p.id for p in portals]


def add_journal_rows(count: int, portal_ids: list[int], chunk: int = 2000) -> None:
    """Bulk-insert finished journal rows spread over `portal_ids` (inside an app context)."""
    stamp = datetime.now(UTC) - timedelta(days=1)
    tag = uuid.uuid4().hex[:8]
    for start in range(0, count, chunk):
        rows = [
            {
                "portal_id": portal_ids[i % len(portal_ids)],
                "key": f"inbox:bench-{tag}-{i}",
                "hook_type": "inbox",
                "dialog_id": str(1000 + i % 500),
                "request_id": str(5000 + i),
                "client_id": str(100 + i % 300),
                "payload": {"hook_type": "inbox", "message_id": i, "text": "history"},
                "status": "done",
                "decision": "Recorded for the benchmark.",
                "error": "",
                "attempts": 1,
                "created_at": stamp + timedelta(seconds=i),
                "updated_at": stamp + timedelta(seconds=i),
            }
            for i in range(start, min(count, start + chunk))
        ]
        db.session.execute(insert(Journal), rows)
        db.session.commit()


def prepare(url: str, secret_key: str) -> str:
    """Migrate a fresh database and add one connected portal; returns its webhook secret."""
    app = create_app(app_config(url, secret_key))
    with app.app_context():
        upgrade()
        quiet()
        _, secret = add_portal("bench")
        db.session.commit()
        db.engine.dispose()
    return secret


def journal_count(url: str, secret_key: str) -> int:
    app = create_app(app_config(url, secret_key))
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Journal)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return count
