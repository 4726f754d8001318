"""The fake Chat2Desk REST API under `/v1`: token auth, envelope, pagination, faults, log."""

import re
import time

from flask import Blueprint, current_app, g, jsonify, request

from b24app.sandbox.chat2desk.clock import unix_time
from b24app.sandbox.chat2desk.delivery import deliver
from b24app.sandbox.chat2desk.events import message_payload, send_outgoing

bp = Blueprint("c2d_api", __name__, url_prefix="/v1")

MAX_LIMIT = 200
DEFAULT_LIMIT = 20
REQUEST_TYPES = {"from_client": "in", "to_client": "out", "autoreply": "out"}
SEND_TYPES = ("to_client", "autoreply", "system", "comment")
SEND_RESULT_KEYS = (
    "channel_id",
    "operator_id",
    "transport",
    "type",
    "client_id",
    "dialog_id",
    "request_id",
)


def state():
    """The fake's store."""
    return current_app.extensions["fake_c2d"]


def error(message: str, status: int = 400, errors=None):
    """Chat2Desk's error envelope."""
    body = {"status": "error", "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def ok(data, **extra):
    """Chat2Desk's success envelope (serialised under the store lock)."""
    with state().lock:
        return jsonify({"status": "success", "data": data, **extra})


def not_found():
    """Unknown id."""
    return error("not_found", 404)


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def page(items: list):
    """One page of a list with `meta: {total, limit, offset}`."""
    limit = min(max(_int_arg("limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
    offset = max(_int_arg("offset", 0), 0)
    meta = {"total": len(items), "limit": limit, "offset": offset}
    return ok(items[offset : offset + limit], meta=meta)


def _take_fault(company, path: str):
    short = path.removeprefix("/v1") or "/"
    for fault in company.faults:
        method = fault.get("method")
        if method and method.upper() != request.method:
            continue
        if short.startswith(fault["path_prefix"]) or path.startswith(fault["path_prefix"]):
            fault["count"] -= 1
            company.fired[fault["kind"]] = company.fired.get(fault["kind"], 0) + 1
            if fault["count"] <= 0:
                company.faults.remove(fault)
            return fault
    return None


def _fault_response(fault):
    if fault["kind"] == "timeout":
        time.sleep(float(fault.get("seconds", 20)))
        return error("Gateway Timeout", 504)
    return error("Internal Server Error", 500)


@bp.before_request
def authenticate():
    """Resolve the company from the raw token; apply any injected fault."""
    g.company = state().company(request.headers.get("Authorization", "").strip())
    if g.company is None:
        return error("Token is not correct", 401)
    with state().lock:
        fault = _take_fault(g.company, request.path)
    return _fault_response(fault) if fault else None


@bp.after_request
def log_request(response):
    """Record the call in the company's request log."""
    company = g.get("company")
    if company is not None:
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "status": response.status_code,
            "ts": time.time(),
        }
        with state().lock:
            company.log.append(entry)
    return response


@bp.get("/companies/api_info")
def api_info():
    """Company and quota info."""
    company = g.company
    return ok(
        {
            "companyID": company.company_id,
            "partnerID": None,
            "company_name": company.name,
            "admin_email": company.operators[1]["email"],
            "mode": "full",
            "hook": None,
            "chat_close_web_hook": None,
            "current_version": "1.0",
            "requests_this_month": len(company.log),
            "channels": len(company.channels),
        }
    )


@bp.get("/channels")
def channels():
    """List channels."""
    return page(list(g.company.channels.values()))


@bp.get("/operators")
def operators():
    """List operators."""
    return page(list(g.company.operators.values()))


@bp.get("/tags")
def tags():
    """List tags."""
    return page(list(g.company.tags.values()))


@bp.get("/custom_client_fields")
def custom_client_fields():
    """List custom client field definitions: `status: "ok"` and no `meta`
    (RA-Company/ctd custom-client-fields.go checks "ok" for this one endpoint)."""
    with state().lock:
        return jsonify({"status": "ok", "data": list(g.company.custom_fields.values())})


@bp.get("/clients")
def clients():
    """List clients, optionally by phone."""
    found = list(g.company.clients.values())
    phone = request.args.get("phone")
    if phone:
        # the fake compares digits only, so "+7 916 123-45-67" finds "+79161234567"
        want = re.sub(r"\D", "", phone)
        found = [
            c
            for c in found
            if want
            and want in (re.sub(r"\D", "", str(c[k] or "")) for k in ("phone", "client_phone"))
        ]
    return page([card(c) for c in found])


@bp.get("/clients/<int:client_id>")
def client(client_id: int):
    """One client card."""
    found = g.company.clients.get(client_id)
    return ok(card(found)) if found else not_found()


def card(client: dict) -> dict:
    """A client as the API shows it (the store's own bookkeeping keys left out)."""
    return {k: v for k, v in client.items() if k != "group_sender"}


@bp.get("/dialogs/<int:dialog_id>")
def dialog(dialog_id: int):
    """One dialog."""
    with state().lock:
        found = g.company.dialogs.get(dialog_id)
        return ok(api_dialog(g.company.dialog_view(found))) if found else not_found()


# `GET /dialogs/{id}`: exactly these keys — no client_id, no channel_id (RA-Company/ctd dialogs.go).
DIALOG_KEYS = ("id", "state", "begin", "end", "operator_id", "last_message", "last_request_id")


def api_dialog(view: dict) -> dict:
    """A dialog as Chat2Desk's API shows it (the store keeps more)."""
    return {**{key: view.get(key) for key in DIALOG_KEYS}, "messages": view.get("messages", 0)}


@bp.get("/messages")
def messages():
    """List messages filtered by dialog, client, request or type."""
    with state().lock:
        found = list(g.company.messages.values())
    for key in ("dialog_id", "client_id", "request_id", "operator_id"):
        if request.args.get(key):
            found = [m for m in found if str(m[key]) == request.args[key]]
    if request.args.get("type"):
        found = [m for m in found if m["type"] == request.args["type"]]
    found.sort(key=lambda m: m["id"], reverse=request.args.get("order") == "desc")
    return page(found)


@bp.get("/messages/<int:message_id>")
def message(message_id: int):
    """One message."""
    found = g.company.messages.get(message_id)
    return ok(found) if found else not_found()


def _request_message(company, msg: dict) -> dict:
    return {
        "id": msg["id"],
        "text": msg["text"],
        "video": msg["video"],
        "photo": msg["photo"],
        "audio": msg["audio"],
        "pdf": msg["pdf"],
        "coordinates": msg["coordinates"],
        "transport": msg["transport"],
        "type": REQUEST_TYPES.get(msg["type"], "system"),
        "read": msg["read"],
        "created": unix_time(msg["created"]) or 0,
        "clientID": msg["client_id"],
        # int64 in RA-Company/ctd request.go: a message without an operator (system) carries 0
        "operatorID": msg["operator_id"] or 0,
        "channelID": msg["channel_id"],
        "companyID": company.company_id,
        "dialogID": msg["dialog_id"],
        "gateway_status": msg["recipient_status"],
        "extra_data": {"system_type": msg["type"]} if msg["type"] in ("system", "comment") else {},
    }


@bp.get("/requests/<int:request_id>/messages")
def request_messages(request_id: int):
    """Messages of one request as a bare array with camelCase ids."""
    company = g.company
    with state().lock:
        if request_id not in company.requests:
            return not_found()
        rows = [m for m in company.messages.values() if m["request_id"] == request_id]
        return jsonify([_request_message(company, m) for m in rows])


@bp.get("/web_analytics_data")
def web_analytics_data():
    """Web-analytics rows, optionally of one client."""
    rows = g.company.web_analytics
    client_id = _int_arg("client_id", 0)
    found = rows.get(client_id, []) if client_id else [r for v in rows.values() for r in v]
    return page(list(found))


def _truthy(value) -> bool:
    return str(value).lower() not in ("0", "false", "no", "")


@bp.post("/messages")
def send_message():
    """Send a message to a client; fires an `outbox` webhook."""
    body = request.get_json(silent=True) or request.values.to_dict()
    if not body.get("client_id"):
        return error("Validation failed", 400, {"client_id": ["is required"]})
    company = g.company
    kind = body.get("type") or "to_client"
    if kind not in SEND_TYPES:
        return error("Validation failed", 400, {"type": ["is invalid"]})
    if not body.get("text") and not body.get("attachment"):
        return error("Validation failed", 400, {"text": ["can't be blank"]})
    with state().lock:
        target = company.clients.get(_as_int(body["client_id"]))
        if target is None:
            return error("Client not found", 404)
        msg = _store_outgoing(company, target, body, kind)
        payload = message_payload(company, msg, "comment" if kind == "comment" else "outbox")
    deliver(state(), company, payload, sync=False)
    return ok({"message_id": msg["id"], **{key: msg[key] for key in SEND_RESULT_KEYS}})


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _store_outgoing(company, target: dict, body: dict, kind: str) -> dict:
    extra = {}
    if body.get("attachment"):
        name = body.get("attachment_filename") or str(body["attachment"]).rsplit("/", 1)[-1]
        extra["attachments"] = [{"name": name, "link": body["attachment"]}]
    if body.get("transport"):
        extra["transport"] = body["transport"]
    if _as_int(body.get("operator_id")) in company.operators:  # reference/chat2desk.md §4.7
        extra["operator_id"] = _as_int(body["operator_id"])
    open_dialog = _truthy(body.get("open_dialog", True))
    return send_outgoing(
        state(), company, target, body.get("text"), kind=kind, open_dialog=open_dialog, **extra
    )
