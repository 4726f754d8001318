"""Control API of the fake Chat2Desk for tests: companies, events, redelivery, log, faults."""

from flask import Blueprint, abort, jsonify, request

from b24app.sandbox.chat2desk.api import state
from b24app.sandbox.chat2desk.delivery import deliver
from b24app.sandbox.chat2desk.events import GENERATORS, UnknownObjectError, fire

bp = Blueprint("c2d_control", __name__, url_prefix="/_control")
FAULT_KINDS = ("500", "timeout")


def _company(token: str):
    company = state().company(token)
    if company is None:
        abort(jsonify({"error": f"unknown company token {token!r}"}), 404)
    return company


def _json() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.post("/companies")
def add_company():
    """Create a company with seed data: {token?, name?} → {token, company_id}."""
    body = _json()
    company = state().add_company(body.get("token"), body.get("name"))
    return jsonify({"token": company.token, "company_id": company.company_id})


@bp.get("/companies")
def list_companies():
    """All companies."""
    with state().lock:
        rows = [
            {"token": c.token, "company_id": c.company_id, "name": c.name}
            for c in state().companies.values()
        ]
    return jsonify(rows)


def dump(company) -> dict:
    """Everything the fake knows about one company."""
    with state().lock:
        return {
            "token": company.token,
            "company_id": company.company_id,
            "name": company.name,
            "operators": list(company.operators.values()),
            "channels": list(company.channels.values()),
            "tags": list(company.tags.values()),
            "custom_fields": list(company.custom_fields.values()),
            "clients": list(company.clients.values()),
            "dialogs": [company.dialog_view(d) for d in company.dialogs.values()],
            "requests": list(company.requests.values()),
            "messages": list(company.messages.values()),
            "web_analytics": [r for rows in company.web_analytics.values() for r in rows],
            "webhooks": list(company.webhooks.values()),
            "deliveries": [d for d in state().deliveries if d["token"] == company.token],
            "faults": list(company.faults),
            "fired": dict(company.fired),
        }


@bp.get("/c/<token>/state")
def company_state(token: str):
    """The company's whole store as JSON."""
    return jsonify(dump(_company(token)))


@bp.post("/c/<token>/events/<kind>")
def event(token: str, kind: str):
    """Generate event `kind` (JSON body = overrides), deliver it, return payload and statuses."""
    company = _company(token)
    if kind not in GENERATORS:
        return jsonify({"error": f"unknown event {kind!r}", "kinds": sorted(GENERATORS)}), 404
    body = _json()
    sync = bool(request.args.get("sync", "1") != "0")
    try:
        payload, statuses = fire(state(), company, kind, body, sync=sync)
    except UnknownObjectError as exc:
        return jsonify({"error": str(exc)}), 404
    return jsonify({"payload": payload, "statuses": statuses})


@bp.post("/c/<token>/redeliver")
def redeliver(token: str):
    """Send an identical payload again: {payload} → {payload, statuses}."""
    company = _company(token)
    payload = _json().get("payload")
    if not isinstance(payload, dict):
        return jsonify({"error": "payload (object) is required"}), 400
    return jsonify({"payload": payload, "statuses": deliver(state(), company, payload, sync=True)})


@bp.get("/c/<token>/log")
def get_log(token: str):
    """Requests the company's token made to the API: method, path, query, status, ts."""
    company = _company(token)
    with state().lock:
        return jsonify(list(company.log))


@bp.delete("/c/<token>/log")
def clear_log(token: str):
    """Forget the request log."""
    company = _company(token)
    with state().lock:
        company.log.clear()
    return jsonify({"cleared": True})


@bp.post("/c/<token>/faults")
def add_fault(token: str):
    """Make the next `count` API calls under `path_prefix` fail with HTTP 500 or a timeout."""
    company = _company(token)
    body = _json()
    kind = str(body.get("kind", "500"))
    if kind not in FAULT_KINDS or not body.get("path_prefix"):
        return jsonify({"error": "need path_prefix and kind 500|timeout"}), 400
    fault = {
        "path_prefix": str(body["path_prefix"]),
        "kind": kind,
        "count": int(body.get("count", 1)),
        "method": body.get("method"),
        "seconds": float(body.get("seconds", 20)),
    }
    with state().lock:
        company.faults.append(fault)
    return jsonify(fault)


@bp.delete("/c/<token>/faults")
def clear_faults(token: str):
    """Remove all pending faults."""
    company = _company(token)
    with state().lock:
        company.faults.clear()
    return jsonify({"cleared": True})


@bp.post("/wait")
def wait_idle():
    """Block until background deliveries finish: {timeout?} → {idle}."""
    timeout = float(_json().get("timeout", 10))
    return jsonify({"idle": state().wait_idle(timeout)})
