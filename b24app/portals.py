"""Portals: entry verification, token upkeep under a lock, throttle, and the wired client."""

import logging
import time
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from .clients import b24_oauth
from .clients.bitrix24 import Bitrix24Client, OAuthError, expires_at
from .clients.http import new_session
from .extensions import db
from .locks import portal_lock
from .models import Portal

log = logging.getLogger(__name__)
_session = new_session()
EVENTS = ("ONAPPUNINSTALL", "ONAPPUPDATE", "ONIMCONNECTORMESSAGEADD")


class EntryError(Exception):
    """An iframe entry or event that cannot be verified; the text is shown to the admin."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason, self.status = reason, status


def http_session():
    return _session


def verify_token(server_endpoint: str, auth_id: str, member_id: str) -> dict:
    """Ask the OAuth server whether `auth_id` belongs to our app on `member_id`'s portal."""
    cfg = current_app.config
    if not b24_oauth.trusted_server(
        server_endpoint, cfg["B24_OAUTH_HOSTS"], cfg["B24APP_ALLOW_HTTP"]
    ):
        raise EntryError(_("SERVER_ENDPOINT is not a Bitrix24 OAuth server this app trusts."))
    if not auth_id or not member_id:
        raise EntryError(_("The request carries no AUTH_ID or member_id."), 401)
    try:
        info = b24_oauth.app_info(
            server_endpoint, auth_id, session=_session, timeout=cfg["HTTP_TIMEOUT"]
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "not verified"
        log.info("app.info refused the entry token: %s", type(exc).__name__)
        raise EntryError(
            _("Bitrix24 did not confirm the access token (app.info refused it)."), 401
        ) from None
    install = info.get("install") or {}
    if str(info.get("client_id")) != cfg["B24_CLIENT_ID"]:
        raise EntryError(_("The access token belongs to another application."))
    if str(install.get("member_id")) != member_id:
        raise EntryError(_("The access token belongs to another portal."))
    return info


def client_endpoint_from(info: dict, protocol: str = "1", domain: str = "") -> str:
    """The portal's REST base: `install.client_endpoint`, else PROTOCOL + DOMAIN."""
    endpoint = (info.get("install") or {}).get("client_endpoint")
    if not endpoint:
        scheme = "https" if str(protocol) != "0" else "http"
        endpoint = f"{scheme}://{domain}/rest/"
    return endpoint if endpoint.endswith("/") else endpoint + "/"


def upsert_portal(
    member_id: str,
    *,
    info: dict,
    server_endpoint: str,
    access_token: str,
    refresh_token: str | None,
    expires_in,
    application_token: str | None,
    user_id: int | None,
    lang: str | None = None,
    domain: str = "",
    protocol: str = "1",
) -> Portal:
    """Create or refresh the portal row from a verified entry or install event."""
    install = info.get("install") or {}
    portal = db.session.execute(select(Portal).filter_by(member_id=member_id)).scalar_one_or_none()
    if portal is None:
        portal = Portal(member_id=member_id, installer_user_id=user_id, admin_user_ids=[])
        db.session.add(portal)
    elif portal.status != "active":
        portal.installer_user_id = user_id
        portal.installed_at = datetime.now(UTC)
    portal.status = "active"
    portal.domain = install.get("domain") or domain or portal.domain or ""
    portal.client_endpoint = client_endpoint_from(info, protocol, portal.domain)
    portal.server_endpoint = server_endpoint
    portal.access_token, portal.expires_at = access_token, expires_at(expires_in or 3600)
    if refresh_token:
        portal.refresh_token = refresh_token
    if application_token:
        portal.application_token = application_token
    portal.scope = str(install.get("scope") or info.get("scope") or portal.scope or "")
    if lang:
        portal.lang = lang
    if portal.installer_user_id is None:
        portal.installer_user_id = user_id
    return portal


def note_admin(portal: Portal, user_id: int | None) -> None:
    """Remember an admin who opened the app (they receive fallback notifications)."""
    if user_id and user_id not in (portal.admin_user_ids or []):
        portal.admin_user_ids = [*(portal.admin_user_ids or []), user_id]


def refresh_tokens(portal_id: int, failed_token: str) -> str:
    """Refresh once per portal even when several workers hit expiry together."""
    cfg = current_app.config
    table = Portal.__table__
    with portal_lock(portal_id) as conn:
        row = conn.execute(
            select(table.c.access_token, table.c.refresh_token, table.c.server_endpoint).where(
                table.c.id == portal_id
            )
        ).one()
        if row.access_token and row.access_token != failed_token:
            return row.access_token  # another worker refreshed while we waited
        if not row.refresh_token:
            raise OAuthError("NO_REFRESH_TOKEN", "the portal must open the app again")
        body = b24_oauth.refresh(
            row.server_endpoint,
            cfg["B24_CLIENT_ID"],
            cfg["B24_CLIENT_SECRET"],
            row.refresh_token,
            session=_session,
            timeout=cfg["HTTP_TIMEOUT"],
        )
        values = {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token") or row.refresh_token,
            "expires_at": expires_at(body.get("expires_in") or 3600),
            "token_refreshed_at": datetime.now(UTC),
        }
        if body.get("client_endpoint"):
            values["client_endpoint"] = body["client_endpoint"]
        conn.execute(update(table).where(table.c.id == portal_id).values(**values))
    log.info("refreshed the Bitrix24 token of portal %s", portal_id)
    return body["access_token"]


def throttle(portal_id: int) -> None:
    """Client-side leaky bucket shared by all workers: stay under the portal's rate limit."""
    cfg = current_app.config
    rate, burst = float(cfg["B24_RATE"]), max(1.0, float(cfg["B24_BURST"]) - 1)
    table = Portal.__table__
    with portal_lock(portal_id) as conn:
        row = conn.execute(
            select(table.c.bucket_level, table.c.bucket_at).where(table.c.id == portal_id)
        ).one()
        now = time.time()
        level = max(0.0, (row.bucket_level or 0.0) - (now - (row.bucket_at or 0.0)) * rate)
        wait = max(0.0, (level + 1 - burst) / rate)
        conn.execute(
            update(table)
            .where(table.c.id == portal_id)
            .values(bucket_level=level + 1, bucket_at=now)
        )
    if wait > 0:
        time.sleep(wait)


def _endpoint_changed(portal_id: int, endpoint: str) -> None:
    table = Portal.__table__
    domain = endpoint.split("://", 1)[-1].split("/", 1)[0]
    with portal_lock(portal_id) as conn:
        conn.execute(
            update(table)
            .where(table.c.id == portal_id)
            .values(client_endpoint=endpoint, domain=domain)
        )
    log.info("portal %s moved to a new address", portal_id)


def client_for(portal: Portal) -> Bitrix24Client:
    """The portal's Bitrix24 client with refresh, throttle and rename handling wired in."""
    cfg = current_app.config
    pid = portal.id
    return Bitrix24Client(
        portal.client_endpoint,
        portal.access_token or "",
        refresh=lambda failed: refresh_tokens(pid, failed),
        on_endpoint_change=lambda endpoint: _endpoint_changed(pid, endpoint),
        throttle=lambda: throttle(pid),
        session=_session,
        timeout=cfg["HTTP_TIMEOUT"],
        max_backoff=cfg["B24_MAX_BACKOFF"],
    )
