"""Test/runner control API under `/_control/` (JSON in, JSON out)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from . import actions, fire, operating
from .limits import configure
from .rest import base_url, get_state
from .state import Portal

bp = Blueprint("fake_b24_control", __name__, url_prefix="/_control")


def _body() -> dict[str, Any]:
    """JSON body (or form) as a dict."""
    return request.get_json(silent=True) or request.form.to_dict() or {}


def _portal(name: str) -> Portal:
    """Portal by current or old name, else 404."""
    portal, _ = get_state().find(name)
    if portal is None:
        abort(404)
    return portal


@bp.post("/portals")
def create_portal():
    """Create or reset a portal; returns identity and tokens for `token_user` (default 1)."""
    body, state = _body(), get_state()
    portal = state.create_portal(
        str(body.get("name") or "demo"),
        mode=int(body.get("mode") or 1),
        lang=str(body.get("lang") or "en"),
        users=body.get("users"),
        admin=body.get("admin"),
    )
    portal.install_handler = str(body.get("install_handler") or "")
    return jsonify(
        actions.portal_info(state, portal, base_url(), int(body.get("token_user") or 1))
    ), 201


@bp.get("/portals")
def list_portals():
    """Names and member ids of all portals."""
    state = get_state()
    with state.lock:
        return jsonify(
            [
                {"name": p.name, "member_id": p.member_id, "installed": p.installed}
                for p in state.portals.values()
            ]
        )


@bp.post("/p/<name>/tokens")
def tokens(name: str):
    """Fresh tokens for a user of the portal."""
    uid = int(_body().get("user_id") or 1)
    return jsonify(actions.portal_info(get_state(), _portal(name), base_url(), uid))


@bp.post("/p/<name>/expire")
def expire(name: str):
    """Expire all access tokens of the portal."""
    return jsonify({"expired": get_state().expire(_portal(name).member_id)})


@bp.route("/p/<name>/faults", methods=["GET", "POST", "DELETE"])
def faults(name: str):
    """Queue (POST), list (GET) or clear (DELETE) injected faults."""
    portal, state = _portal(name), get_state()
    with state.lock:
        if request.method == "POST":
            body = _body()
            items = body if isinstance(body, list) else [body]
            for item in items:
                portal.faults.append(
                    {
                        "method": str(item.get("method") or "*").lower(),
                        "kind": str(item.get("kind") or "503"),
                        "count": int(item.get("count") or 1),
                        "seconds": float(item.get("seconds") or 30),
                    }
                )
        elif request.method == "DELETE":
            portal.faults.clear()
        return jsonify(portal.faults)


@bp.route("/p/<name>/log", methods=["GET", "DELETE"])
def log(name: str):
    """Request log (DELETE clears it)."""
    portal, state = _portal(name), get_state()
    with state.lock:
        if request.method == "DELETE":
            portal.log.clear()
        return jsonify(portal.log)


@bp.get("/p/<name>/state")
def dump(name: str):
    """Whole portal state."""
    state = get_state()
    with state.lock:
        return jsonify(_portal(name).dump())


@bp.post("/p/<name>/mode")
def mode(name: str):
    """Switch CRM mode (1 classic, 2 simple)."""
    portal = _portal(name)
    portal.mode = int(_body().get("mode") or 1)
    return jsonify({"mode": portal.mode})


@bp.post("/p/<name>/rename")
def rename(name: str):
    """Rename the portal; the old path then redirects."""
    portal, state = _portal(name), get_state()
    state.rename(portal, str(_body()["new_name"]))
    return jsonify(actions.portal_info(state, portal, base_url()))


@bp.post("/p/<name>/rate")
def rate(name: str):
    """Enable (rate, burst) or disable (rate null) the leaky bucket."""
    body, state = _body(), get_state()
    with state.lock:
        return jsonify(configure(_portal(name), body.get("rate"), body.get("burst")))


@bp.post("/p/<name>/operating")
def operating_limit(name: str):
    """Set the per-method operating limit (null = none) and the seconds charged per call."""
    body, state = _body(), get_state()
    with state.lock:
        return jsonify(operating.configure(_portal(name), body.get("limit"), body.get("cost")))


@bp.post("/p/<name>/entry")
def entry(name: str):
    """The iframe payload for a user, with fresh tokens."""
    body, state = _body(), get_state()
    return jsonify(
        actions.entry_payload(
            state,
            _portal(name),
            base_url(),
            int(body.get("user_id") or 1),
            placement=str(body.get("placement") or "DEFAULT"),
            options=body.get("options"),
            lang=body.get("lang"),
        )
    )


@bp.post("/p/<name>/installed")
def installed(name: str):
    """Mark the app installed (as BX24.installFinish does) or not."""
    portal = _portal(name)
    portal.installed = bool(_body().get("installed", True))
    portal.removed = portal.removed and not portal.installed
    return jsonify({"installed": portal.installed})


@bp.post("/p/<name>/fire")
def fire_event(name: str):
    """Fire any event with given data to its bound handlers."""
    body, state = _body(), get_state()
    user = body.get("user_id", 1)
    done = fire.fire(
        state,
        _portal(name),
        base_url(),
        str(body["event"]),
        body.get("data"),
        user_id=None if user is None else int(user),
    )
    return jsonify(done)


@bp.post("/p/<name>/install_event")
def install_event(name: str):
    """Fire ONAPPINSTALL with fresh admin tokens."""
    return jsonify(actions.install_event(get_state(), _portal(name), base_url()))


@bp.post("/p/<name>/uninstall")
def uninstall(name: str):
    """Fire ONAPPUNINSTALL and mark the app removed."""
    clean = _body().get("clean", 0)
    return jsonify(actions.uninstall(get_state(), _portal(name), base_url(), clean))


@bp.post("/p/<name>/operator_message")
def operator_message(name: str):
    """An operator answers in an Open Lines chat (fires ONIMCONNECTORMESSAGEADD)."""
    body = _body()
    try:
        done = actions.operator_reply(
            get_state(),
            _portal(name),
            base_url(),
            str(body["chat_id"]),
            int(body.get("user_id") or 1),
            str(body.get("text") or ""),
            body.get("files") if isinstance(body.get("files"), list) else None,
        )
    except KeyError:
        abort(404)
    return jsonify(done)


@bp.post("/p/<name>/robot")
def robot(name: str):
    """Run an app robot on a deal or lead: {code, kind, id, properties} → token and answer."""
    from .bizproc import run_robot

    body = _body()
    portal = _portal(name)
    if str(body.get("code")) not in portal.robots:
        abort(404)
    done = run_robot(
        get_state(),
        portal,
        base_url(),
        str(body["code"]),
        str(body.get("kind") or "deal"),
        int(body["id"]),
        dict(body.get("properties") or {}),
        int(body.get("user_id") or 1),
    )
    return jsonify({**done, "run": portal.robot_runs[done["token"]]})
