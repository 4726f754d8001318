"""Portal REST endpoint: parsing, rate limit, faults, auth, dispatch, envelope, log."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request

from . import bizproc, core, crm, im, offline, openlines, operating  # noqa: F401  (methods)
from .batch import run_batch, sub_methods
from .envelope import ApiError, Page, time_block
from .limits import FAULTS, admit, take_fault
from .phpform import parse_pairs
from .registry import Ctx, dispatch
from .state import FakeState, Portal

bp = Blueprint("fake_b24_rest", __name__)


def get_state() -> FakeState:
    """The fake's state object."""
    return current_app.extensions["fake_b24"]


def base_url() -> str:
    """Public base URL of the fake, learnt from the request."""
    return request.host_url.rstrip("/")


def request_params() -> dict[str, Any]:
    """Query, form (PHP brackets) and JSON body merged, later ones winning."""
    params = parse_pairs(list(request.args.items(multi=True)))
    params.update(parse_pairs(list(request.form.items(multi=True))))
    body = None if request.form else request.get_json(silent=True, force=True)
    if isinstance(body, dict):
        params.update(body)
    return params


def error_response(err: ApiError):
    """JSON error with its HTTP status."""
    return jsonify(err.body()), err.status


def _execute(state: FakeState, portal: Portal, name: str, params: dict, auth: Any) -> Any:
    """Authenticate and run a method; returns the JSON body."""
    started = time.time()
    token = state.check(auth if isinstance(auth, str) else None)
    if token.member_id != portal.member_id:
        raise ApiError(401, "invalid_token", "Unable to get application by token")
    ctx = Ctx(state, portal, token.user_id, token.value, base_url())
    if name == "batch":
        return {"result": run_batch(ctx, params), "time": time_block(started)}
    operating.check(portal, name)
    value = dispatch(ctx, name, params)
    spent = {**time_block(started), **operating.charge(portal, name, started, time.time())}
    if isinstance(value, Page):
        body = {"result": value.items, "total": value.total}
        if value.next is not None:
            body["next"] = value.next
        body["time"] = spent
        return body
    return {"result": value, "time": spent}


@bp.route("/p/<portal_name>/rest/<path:method>", methods=["GET", "POST"])
def call(portal_name: str, method: str):
    """One REST request to a portal."""
    state = get_state()
    name = method.lower().removesuffix(".json")
    portal, moved = state.find(portal_name)
    if portal is None:
        return error_response(ApiError(404, "PORTAL_DELETED", "Portal was deleted"))
    if moved:
        target = f"{base_url()}/p/{portal.name}/rest/{method}"
        qs = request.query_string.decode()
        return redirect(f"{target}?{qs}" if qs else target, 302)
    params = request_params()
    auth = params.pop("auth", None)
    subs = sub_methods(params) if name == "batch" else []
    with state.lock:
        allowed = admit(portal)
        fault = take_fault(portal, [name, *subs]) if allowed else None
    if not allowed:
        return _finish(
            state, portal, name, subs, ApiError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
        )
    if fault and fault["kind"] == "timeout":
        time.sleep(float(fault.get("seconds", 30)) + 0.5)
    elif fault and fault["kind"] in ("503", "429", "500"):
        return _finish(state, portal, name, subs, FAULTS[fault["kind"]])
    try:
        with state.lock:
            body = _execute(state, portal, name, params, auth)
    except ApiError as err:
        return _finish(state, portal, name, subs, err)
    if fault and fault["kind"] == "after_write":
        return _finish(state, portal, name, subs, FAULTS["after_write"])
    state.record(portal, name, 200, subs)
    return jsonify(body)


def _finish(state: FakeState, portal: Portal, name: str, subs: list[str], err: ApiError):
    """Log and return an error answer."""
    state.record(portal, name, err.status, subs)
    return error_response(err)
