"""The Bitrix24 OAuth server: trusted `app.info` and token refresh, at the portal's own host."""

from urllib.parse import urlsplit

import requests

from .bitrix24 import OAuthError, TransportError, error_for
from .http import DEFAULT_TIMEOUT, new_session


def trusted_server(server_endpoint: str, hosts: list[str], allow_http: bool) -> bool:
    """True when `server_endpoint` is one of the configured OAuth servers."""
    try:
        parts = urlsplit(server_endpoint or "")
    except ValueError:
        return False
    schemes = ("https", "http") if allow_http else ("https",)
    return parts.scheme in schemes and parts.netloc.lower() in hosts and not parts.username


def oauth_root(server_endpoint: str) -> str:
    """`https://oauth.bitrix.info/rest/` → `https://oauth.bitrix.info/`."""
    parts = urlsplit(server_endpoint)
    return f"{parts.scheme}://{parts.netloc}/"


def _json(resp: requests.Response, what: str) -> dict:
    try:
        body = resp.json()
    except ValueError:
        raise TransportError("BAD_ANSWER", f"{what}: HTTP {resp.status_code}") from None
    if not isinstance(body, dict):
        raise TransportError("BAD_ANSWER", f"{what}: unexpected answer")
    if "error" in body:
        raise error_for(
            str(body["error"]),
            str(body.get("error_description") or ""),
            status=resp.status_code,
            method=what,
        )
    return body


def app_info(server_endpoint: str, auth_id: str, *, session=None, timeout=DEFAULT_TIMEOUT):
    """`app.info` asked of the OAuth server: proves `auth_id` is a live token of our app."""
    session = session or new_session()
    try:
        resp = session.post(
            server_endpoint.rstrip("/") + "/app.info",
            data={"auth": auth_id},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise TransportError("TRANSPORT", type(exc).__name__, method="app.info") from None
    return _json(resp, "app.info").get("result") or {}


def refresh(
    server_endpoint: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    session=None,
    timeout=DEFAULT_TIMEOUT,
) -> dict:
    """Exchange a refresh token for a new pair at the portal's OAuth server."""
    session = session or new_session()
    params = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    try:
        resp = session.get(
            oauth_root(server_endpoint) + "oauth/token/",
            params=params,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise TransportError("TRANSPORT", type(exc).__name__, method="oauth.token") from None
    body = _json(resp, "oauth.token")
    if not body.get("access_token"):
        raise OAuthError("invalid_grant", "no access token in the answer", method="oauth.token")
    return body
