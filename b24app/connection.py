"""The Chat2Desk connection: token check, our webhook there (one, enabled), secret rotation."""

import hmac
import logging
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .clients.chat2desk import (
    Chat2DeskAlreadyUsedError,
    Chat2DeskClient,
    Chat2DeskError,
)
from .crypto import digest, digests
from .extensions import db
from .models import Connection, Portal
from .verify import http_session

log = logging.getLogger(__name__)
WEBHOOK_NAME = "Bitrix24 (b24app)"
WEBHOOK_EVENTS = [
    "inbox",
    "outbox",
    "outbox_status",
    "new_request",
    "close_dialog",
    "close_request",
    "dialog_transferred",
    "add_tag_to_client",
    "delete_tag_from_client",
    "add_tag_to_request",
    "delete_tag_from_request",
    "client_updated",
]
HOOK_PATH = "/webhooks/chat2desk/"


def client_for(connection: Connection) -> Chat2DeskClient:
    cfg = current_app.config
    return Chat2DeskClient(
        connection.api_token or "",
        connection.api_url,
        session=http_session(),
        timeout=cfg["C2D_TIMEOUT"],
        retries=cfg["C2D_RETRIES"],
    )


def webhook_url(secret: str) -> str:
    return current_app.config["PUBLIC_URL"] + HOOK_PATH + secret


def check_token(token: str, api_url: str) -> dict:
    """`/companies/api_info` with the token; raises Chat2DeskError when refused."""
    cfg = current_app.config
    return (
        Chat2DeskClient(
            token,
            api_url,
            session=http_session(),
            timeout=cfg["C2D_TIMEOUT"],
            retries=cfg["C2D_RETRIES"],
        ).api_info()
        or {}
    )


def connect(portal: Portal, token: str, api_url: str, info: dict) -> tuple[Connection, str]:
    """Store the checked token and make sure our webhook exists; returns a message in words."""
    connection = portal.connection
    if connection is None:
        connection = Connection(portal=portal, api_url=api_url)
        db.session.add(connection)
    connection.api_token, connection.api_url = token, api_url
    connection.company_name = str(info.get("company_name") or info.get("companyID") or "")
    if not connection.secret:
        _new_secret(connection)
    db.session.commit()
    return connection, ensure_webhook(connection)


def _new_secret(connection: Connection) -> None:
    secret = secrets.token_urlsafe(24)
    connection.secret, connection.secret_digest = secret, digest(secret)


def _ours(hook: dict, connection: Connection) -> bool:
    url = str(hook.get("url") or "")
    return hook.get("id") == connection.webhook_id or url == webhook_url(connection.secret or "")


def ensure_webhook(connection: Connection) -> str:
    """Create, update or re-enable our one webhook at Chat2Desk."""
    client = client_for(connection)
    body = {
        "name": WEBHOOK_NAME,
        "url": webhook_url(connection.secret),
        "events": WEBHOOK_EVENTS,
        "status": "enable",
    }
    try:
        hooks = client.webhooks() or []
        mine = [h for h in hooks if _ours(h, connection)]
        if not mine:
            mine = [
                h
                for h in hooks
                if str(h.get("url", "")).startswith(current_app.config["PUBLIC_URL"] + HOOK_PATH)
                and h.get("name") == WEBHOOK_NAME
            ]
        if mine:
            hook = mine[0]
            was_disabled = hook.get("status") == "disable"
            client.update_webhook(hook["id"], **body)
            for extra in mine[1:]:
                client.delete_webhook(extra["id"])
            message = (
                _("Webhook re-enabled in Chat2Desk.")
                if was_disabled
                else _("Webhook updated in Chat2Desk.")
            )
        elif len(hooks) >= 5:
            return _(
                "Chat2Desk already has 5 webhooks, its maximum. Delete one in Chat2Desk "
                "(Settings → API → Webhooks) and save again."
            )
        else:
            try:
                hook = client.create_webhook(**body)
            except Chat2DeskAlreadyUsedError:
                hook = next(h for h in client.webhooks() if h.get("url") == body["url"])
                client.update_webhook(hook["id"], **body)
            message = _("Webhook registered in Chat2Desk.")
        connection.webhook_id = int(hook["id"])
        db.session.commit()
        return message
    except Chat2DeskError as exc:
        db.session.rollback()
        log.warning("webhook upkeep failed: %s", exc)
        return _("Chat2Desk refused the webhook: %(why)s", why=str(exc))


def rotate_secret(connection: Connection) -> str:
    _new_secret(connection)
    db.session.commit()
    return ensure_webhook(connection)


def drop_webhook(connection: Connection) -> None:
    """Remove our webhook at Chat2Desk; a failure is logged, never blocks uninstall."""
    if not connection.webhook_id or not connection.api_token:
        return
    try:
        client_for(connection).delete_webhook(connection.webhook_id)
    except Chat2DeskError as exc:
        log.warning("could not delete the Chat2Desk webhook: %s", exc)


def disconnect(portal: Portal) -> None:
    connection = portal.connection
    if connection is not None:
        drop_webhook(connection)
        db.session.delete(connection)
        db.session.commit()


def find_by_secret(secret: str) -> Connection | None:
    """The connection whose webhook secret this is: keyed-digest lookup, constant-time compare
    of the digests (the secret itself is never decrypted on the hot path)."""
    if not secret or len(secret) > 200:
        return None
    wanted = digests(secret)
    connection = db.session.execute(
        select(Connection)
        .options(joinedload(Connection.portal))
        .where(Connection.secret_digest.in_(wanted))
    ).scalar_one_or_none()
    stored = (connection.secret_digest or "") if connection is not None else ""
    if not any(hmac.compare_digest(stored, w) for w in wanted):
        return None
    return connection


def rotate_link_secret(portal: Portal) -> None:
    """Revoke every dialog link of the portal (they are signed with this secret)."""
    portal.link_secret = secrets.token_hex(16)
    db.session.commit()


def webhook_state(connection: Connection) -> dict:
    """Our webhook as Chat2Desk has it: {"state": enabled | disabled | missing | unknown,
    "errors": [...], "why": ...}; the secret never appears in what is shown."""
    from .logs import mask_webhook_urls

    try:
        hooks = client_for(connection).webhooks() or []
    except Chat2DeskError as exc:
        return {"state": "unknown", "errors": [], "why": mask_webhook_urls(str(exc))}
    mine = next((h for h in hooks if _ours(h, connection)), None)
    if mine is None:
        return {"state": "missing", "errors": [], "why": ""}

    errors = [mask_webhook_urls(str(e.get("text") or "")) for e in mine.get("errors") or []][-3:]
    state = "disabled" if mine.get("status") == "disable" else "enabled"
    return {"state": state, "errors": errors, "why": ""}
