"""Portals: entry verification, token upkeep under a lock, throttle, and the wired client."""

import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from . import verify
from .clients import b24_oauth
from .clients.bitrix24 import Bitrix24Client, Bitrix24Error, OAuthError, expires_at
from .extensions import db
from .locks import portal_lock
from .models import Portal
from .verify import EntryError, verify_token  # noqa: F401 - the entry API lives here too

log = logging.getLogger(__name__)
EVENTS = ("ONAPPUNINSTALL", "ONAPPUPDATE", "ONIMCONNECTORMESSAGEADD")


def http_session():
    return verify.http_session()


def client_endpoint_from(info: dict, protocol: str = "1", domain: str = "") -> str:
    """The portal's REST base as the trusted app.info reports it (refused when unsafe)."""
    return verify.trusted_rest_base(info, protocol, domain)


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
    if refresh_token and refresh_token != portal.refresh_token:
        portal.pending_refresh_token = refresh_token  # kept for good once it has worked
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
    """Refresh once per portal even when several workers hit expiry together.

    Only ever at a host in B24_OAUTH_HOSTS (the client secret goes nowhere else). A refresh
    token from an install is tried first and kept only once it has worked; the last one
    that worked stays until then.
    """
    cfg = current_app.config
    table = Portal.__table__
    cols = (table.c.access_token, table.c.refresh_token, table.c.pending_refresh_token)
    with portal_lock(portal_id) as conn:
        row = conn.execute(
            select(*cols, table.c.server_endpoint, table.c.domain).where(table.c.id == portal_id)
        ).one()
        if row.access_token and row.access_token != failed_token:
            return row.access_token  # another worker refreshed while we waited
        if not b24_oauth.trusted_server(
            row.server_endpoint, cfg["B24_OAUTH_HOSTS"], cfg["B24APP_ALLOW_HTTP"]
        ):
            raise OAuthError("UNTRUSTED_OAUTH_HOST", "the portal must be installed again")
        body, used = _refresh_with(row)
        values = {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token") or used,
            "pending_refresh_token": None,
            "expires_at": expires_at(body.get("expires_in") or 3600),
            "token_refreshed_at": datetime.now(UTC),
        }
        moved = str(body.get("client_endpoint") or "")
        if moved and verify.safe_rest_base(moved, urlsplit(moved).hostname or ""):
            values["client_endpoint"] = moved  # from the trusted OAuth server itself
        conn.execute(update(table).where(table.c.id == portal_id).values(**values))
    log.info("refreshed the Bitrix24 token of portal %s", portal_id)
    return body["access_token"]


def _refresh_with(row) -> tuple[dict, str]:
    """Try the pending refresh token, then the one that last worked; (answer, token used)."""
    cfg = current_app.config
    candidates = [t for t in (row.pending_refresh_token, row.refresh_token) if t]
    if not candidates:
        raise OAuthError("NO_REFRESH_TOKEN", "the portal must open the app again")
    for token in candidates:
        try:
            body = b24_oauth.refresh(
                row.server_endpoint,
                cfg["B24_CLIENT_ID"],
                cfg["B24_CLIENT_SECRET"],
                token,
                session=http_session(),
                timeout=cfg["HTTP_TIMEOUT"],
            )
            return body, token
        except Bitrix24Error as exc:  # invalid_grant comes as a 400/401 error answer
            if exc.transient or token is candidates[-1]:
                raise
            log.info("a refresh token from an install did not work; using the last good one")
    raise AssertionError("unreachable")


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


def has_room(portal_id: int, requests: int = 2) -> bool:
    """The bucket takes `requests` more calls now, without waiting (read only): whether a web
    request may do the portal's work itself instead of queueing it."""
    cfg = current_app.config
    rate, burst = float(cfg["B24_RATE"]), max(1.0, float(cfg["B24_BURST"]) - 1)
    table = Portal.__table__
    row = db.session.execute(
        select(table.c.bucket_level, table.c.bucket_at).where(table.c.id == portal_id)
    ).one_or_none()
    if row is None:
        return False
    level = max(0.0, (row.bucket_level or 0.0) - (time.time() - (row.bucket_at or 0.0)) * rate)
    return level + requests <= burst


def _endpoint_changed(portal_id: int, endpoint: str) -> bool:
    """A 302 after a rename: follow it only when the trusted app.info confirms the new base."""
    if not _confirmed_by_app_info(portal_id, endpoint):
        log.warning("portal %s: a redirect to an unconfirmed address was refused", portal_id)
        return False
    table = Portal.__table__
    domain = urlsplit(endpoint).netloc
    with portal_lock(portal_id) as conn:
        conn.execute(
            update(table)
            .where(table.c.id == portal_id)
            .values(client_endpoint=endpoint, domain=domain)
        )
    log.info("portal %s moved to a new address", portal_id)
    return True


def _confirmed_by_app_info(portal_id: int, endpoint: str) -> bool:
    portal = db.session.get(Portal, portal_id)
    if portal is None or not portal.access_token:
        return False
    try:
        info = verify.verify_token(
            portal.server_endpoint, portal.access_token, portal.member_id, fresh=True
        )
        return verify.trusted_rest_base(info) == endpoint
    except EntryError:
        return False


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
        session=http_session(),
        timeout=cfg["HTTP_TIMEOUT"],
        max_backoff=cfg["B24_MAX_BACKOFF"],
    )
