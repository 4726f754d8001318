"""Entry verification shared by every entry route: trusted `app.info`, REST base, caches, limits.

`/`, `/install`, `/bitrix/events` and the placement routes all come through here, so a flood of
entries cannot flood the OAuth server (a short cache by the token's hash) and one address cannot
flood the app (a per-address limit).
"""

import hashlib
import io
import logging
import threading
import time
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_babel import gettext as _

from .clients import b24_oauth
from .clients.http import new_session

log = logging.getLogger(__name__)
_lock = threading.Lock()
_CACHE_MAX = 10_000
BROWSER_ENTRIES = ("/", "/install", "/crm/tab", "/dialogs/open")  # from users' browsers


def _state() -> tuple[dict, dict]:
    """This app's caches (per process; a cache, never the truth): verified tokens, hits."""
    ext = current_app.extensions
    if "b24app.entry" not in ext:
        ext["b24app.entry"] = ({}, {})
    return ext["b24app.entry"]


class EntryError(Exception):
    """An iframe entry or event that cannot be verified; the text is shown to the admin."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason, self.status = reason, status


def http_session():
    """This app's outgoing session: public addresses only unless B24APP_ALLOW_HTTP."""
    ext = current_app.extensions
    if "b24app.http" not in ext:
        ext["b24app.http"] = new_session(public_only=not current_app.config["B24APP_ALLOW_HTTP"])
    return ext["b24app.http"]


def _cache_key(server_endpoint: str, auth_id: str, member_id: str) -> str:
    raw = "\n".join((server_endpoint, auth_id, member_id)).encode()
    return hashlib.sha256(raw).hexdigest()


def _cached(key: str) -> dict | None:
    _verified, _hits = _state()
    with _lock:
        hit = _verified.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    return None


def _remember(key: str, info: dict) -> None:
    ttl = float(current_app.config["ENTRY_CACHE_SECONDS"])
    _verified, _hits = _state()
    with _lock:
        if len(_verified) >= _CACHE_MAX:
            now = time.monotonic()
            for stale in [k for k, (until, _info) in _verified.items() if until <= now]:
                del _verified[stale]
            if len(_verified) >= _CACHE_MAX:
                _verified.clear()
        _verified[key] = (time.monotonic() + ttl, info)


def forget_verified(member_id: str | None = None) -> None:
    """Drop the app.info cache: one portal's entries (at uninstall), or all of it."""
    _verified, _hits = _state()
    with _lock:
        for key, (_until, info) in list(_verified.items()):
            if member_id is None or (info.get("install") or {}).get("member_id") == member_id:
                del _verified[key]
        if member_id is None:
            _hits.clear()


def verify_token(server_endpoint: str, auth_id: str, member_id: str, fresh=False) -> dict:
    """Ask the OAuth server whether `auth_id` belongs to our app on `member_id`'s portal.

    A token verified in the last ENTRY_CACHE_SECONDS is not asked about again (by its hash)
    unless `fresh`.
    """
    cfg = current_app.config
    if not b24_oauth.trusted_server(
        server_endpoint, cfg["B24_OAUTH_HOSTS"], cfg["B24APP_ALLOW_HTTP"]
    ):
        raise EntryError(_("SERVER_ENDPOINT is not a Bitrix24 OAuth server this app trusts."))
    if not auth_id or not member_id:
        raise EntryError(_("The request carries no AUTH_ID or member_id."), 401)
    if len(auth_id) > 512 or len(member_id) > 64 or len(server_endpoint) > 300:
        raise EntryError(_("The request's AUTH_ID or member_id is not one Bitrix24 sends."), 400)
    key = _cache_key(server_endpoint, auth_id, member_id)
    info = None if fresh else _cached(key)
    if info is not None:
        return info
    try:
        info = b24_oauth.app_info(
            server_endpoint, auth_id, session=http_session(), timeout=cfg["HTTP_TIMEOUT"]
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
    _remember(key, info)
    return info


def trusted_rest_base(info: dict, protocol: str = "1", domain: str = "") -> str:
    """The portal's REST base as the trusted app.info reports it; refused when it is not safe.

    https only (http too with B24APP_ALLOW_HTTP), no user info, and in production its host is
    the portal's domain from app.info — `client_endpoint` is `https://{domain}/rest/`
    (b24restdocs api-reference/common/events/on-app-install.md; reference/bitrix24.md §2.7).
    """
    install = info.get("install") or {}
    endpoint = install.get("client_endpoint")
    if not endpoint:
        scheme = "https" if str(protocol) != "0" else "http"
        endpoint = f"{scheme}://{install.get('domain') or domain}/rest/"
    endpoint = str(endpoint) if str(endpoint).endswith("/") else f"{endpoint}/"
    if not safe_rest_base(endpoint, str(install.get("domain") or "")):
        raise EntryError(_("Bitrix24 reported a portal address this application does not trust."))
    return endpoint


def safe_rest_base(endpoint: str, domain: str) -> bool:
    """True when `endpoint` may receive this portal's REST calls and tokens."""
    allow_http = current_app.config["B24APP_ALLOW_HTTP"]
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        return False
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        return False
    return allow_http or host == domain.lower().split(":", 1)[0]


def over_limit(address: str) -> bool:
    """Per-address leaky bucket for the entry routes (ENTRY_RATE per second, ENTRY_BURST)."""
    cfg = current_app.config
    rate, burst = float(cfg["ENTRY_RATE"]), float(cfg["ENTRY_BURST"])
    now = time.monotonic()
    _verified, _hits = _state()
    with _lock:
        level, at = _hits.get(address, (0.0, now))
        level = max(0.0, level - (now - at) * rate)
        if level + 1 > burst:
            _hits[address] = (level, now)
            return True
        if len(_hits) >= _CACHE_MAX:
            _hits.clear()
        _hits[address] = (level + 1, now)
    return False


def guard_entry() -> None:
    """413 for a body over MAX_CONTENT_LENGTH; 429 for an address flooding the entry pages.

    Server-to-server routes (`/bitrix/events`, robots) are not limited by address: Bitrix24
    sends every portal's events from a few servers and never redelivers one.
    """
    if request.environ.get("b24app.too_large"):
        abort(413, too_large_reason())
    if request.path in BROWSER_ENTRIES and over_limit(request.remote_addr or "?"):
        abort(
            429,
            _(
                "Too many requests from your address in a short time. "
                "Wait a minute, then open the application again."
            ),
        )


def too_large_reason() -> str:
    cfg = current_app.config
    server = request.path.startswith(BodyLimit.SERVER_ROUTES)
    limit = cfg["MAX_CONTENT_LENGTH"] if server else cfg["MAX_FORM_BYTES"]
    return _("The request is larger than %(size)s kB.", size=max(1, limit // 1024))


class BodyLimit:
    """WSGI middleware: a body over the limit is never read past it, whatever its framing.

    A chunked body (no Content-Length) is read up to limit + 1 bytes here; werkzeug alone would
    silently cut it at the limit and the app would parse half a webhook. An oversized body is
    replaced by an empty one and flagged, and `guard_entry` answers 413 before any view runs.
    """

    SERVER_ROUTES = ("/webhooks/", "/bitrix/")  # Chat2Desk and Bitrix24 servers: 1 MB

    def __init__(self, wsgi_app, limit: int, form_limit: int):
        self.wsgi_app, self.limit, self.form_limit = wsgi_app, limit, form_limit

    def __call__(self, environ, start_response):
        server = str(environ.get("PATH_INFO") or "").startswith(self.SERVER_ROUTES)
        limit = self.limit if server else self.form_limit  # forms and iframe entries: less
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            too_large = int(length) > limit
        elif environ.get("REQUEST_METHOD") in ("POST", "PUT", "PATCH"):
            body = environ["wsgi.input"].read(limit + 1)
            too_large = len(body) > limit
            if not too_large:
                environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        else:
            too_large = False
        if too_large:
            environ["b24app.too_large"] = True
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(b""), "0"
        return self.wsgi_app(environ, start_response)
