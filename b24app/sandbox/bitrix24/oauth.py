"""The fake OAuth server: token refresh and the trusted `app.info`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from .envelope import ApiError, time_block
from .rest import base_url, error_response, get_state, request_params
from .state import SCOPE

bp = Blueprint("fake_b24_oauth", __name__)


def _oauth_error(status: int, code: str, text: str):
    """OAuth-style error answer."""
    return jsonify({"error": code, "error_description": text}), status


@bp.route("/oauth/token/", methods=["GET", "POST"])
def token():
    """Rotate a refresh token into a new access/refresh pair."""
    state, params = get_state(), request_params()
    if params.get("grant_type") != "refresh_token":
        return _oauth_error(400, "invalid_request", "grant_type must be refresh_token")
    if params.get("client_id") != state.client_id:
        return _oauth_error(401, "wrong_client", "Wrong client")
    if params.get("client_secret") != state.client_secret:
        return _oauth_error(401, "invalid_client", "Invalid client")
    if not params.get("refresh_token"):
        return _oauth_error(400, "invalid_request", "refresh_token is missing")
    with state.lock:
        old = state.refresh.get(params["refresh_token"])
        portal = state.by_member(old.member_id) if old else None
        pair = state.rotate(params["refresh_token"])
    if pair is None:
        if portal:
            state.record(portal, "oauth.token", 400)
        return _oauth_error(400, "invalid_grant", "Invalid grant")
    access, refresh = pair
    state.record(portal, "oauth.token", 200)
    base = base_url()
    return jsonify(
        {
            "access_token": access.value,
            "expires": int(access.expires),
            "expires_in": state.token_ttl,
            "scope": SCOPE,
            "domain": request.host,
            "server_endpoint": f"{base}/rest/",
            "status": portal.app_status,
            "client_endpoint": f"{base}/p/{portal.name}/rest/",
            "member_id": portal.member_id,
            "user_id": access.user_id,
            "refresh_token": refresh.value,
        }
    )


@bp.route("/rest/app.info", methods=["GET", "POST"])
@bp.route("/rest/app.info.json", methods=["GET", "POST"])
def app_info():
    """Trusted app.info: which app and which portal a token belongs to."""
    state, started = get_state(), time.time()
    auth = request_params().get("auth")
    try:
        tok = state.check(auth if isinstance(auth, str) else None)
    except ApiError as err:
        return error_response(err)
    portal, base = state.by_member(tok.member_id), base_url()
    state.record(portal, "oauth.app.info", 200)
    return jsonify(
        {
            "result": {
                "client_id": state.client_id,
                "scope": SCOPE,
                # an ISO date-time on the OAuth server's app.info (issue #12 item 7; the SDK
                # fixture of shared/reference/bitrix24.md §3.2 [T:pysdk-appinfo])
                "expires": datetime.fromtimestamp(tok.expires, UTC).isoformat(),
                "user_id": tok.user_id,
                "install": {
                    "installed": portal.installed,
                    "version": portal.app_version,
                    "status": portal.app_status,
                    "scope": SCOPE,
                    "domain": portal.domain,
                    "uri": f"http://{portal.domain}",
                    "client_endpoint": f"{base}/p/{portal.name}/rest/",
                    "member_id": portal.member_id,
                    "member_type": "PORTAL",
                },
            },
            "time": time_block(started),
        }
    )
