"""The fake's client, dialog and tag writes the CRM card tab uses (reference/chat2desk.md §2)."""

import json
import re

from flask import g, request

from b24app.sandbox.chat2desk import events, seed
from b24app.sandbox.chat2desk.api import api_dialog, bp, error, not_found, ok, page, state

DIALOG_STATES = ("open", "closed")


def _digits(value) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else request.values.to_dict()


def client_by_phone(company, phone) -> dict | None:
    """A client whose phone or client_phone has these digits (the fake ignores formatting)."""
    want = _digits(phone)
    for client in company.clients.values():
        if want and want in (_digits(client["phone"]), _digits(client["client_phone"])):
            return client
    return None


@bp.get("/clients/<int:client_id>/dialogs")
def client_dialogs(client_id: int):
    """Dialogs of one client (GET /clients/{id}/dialogs; RA-Company/ctd, Segate-ekb/Chat2Desk)."""
    company = g.company
    with state().lock:
        if client_id not in company.clients:
            return not_found()
        mine = [d for d in company.dialogs.values() if d["client_id"] == client_id]
        found = [api_dialog(company.dialog_view(d)) for d in mine]  # documented shape
    found.sort(key=lambda d: d["id"], reverse=request.args.get("order") != "asc")
    return page(found)


@bp.get("/dialogs")
def list_dialogs():
    """GET /dialogs?state=&operator_id=&order=&limit=&offset= → a page of dialogs in the
    documented shape with `meta.total` (RA-Company/ctd dialogs.go GetDialogsParams)."""
    company, wanted = g.company, request.args.get("state")
    operator = _int(request.args.get("operator_id"))
    with state().lock:
        found = [
            api_dialog(company.dialog_view(d))
            for d in company.dialogs.values()
            if wanted not in ("open", "closed") or d["state"] == wanted
            if operator is None or d["operator_id"] == operator
        ]
    found.sort(key=lambda d: d["id"], reverse=request.args.get("order") == "desc")
    return page(found)


@bp.post("/clients")
def create_client():
    """POST /clients {phone, transport, channel_id, nickname}; a known phone is refused with
    400 "Client already exist" and the client as a JSON string (reference/chat2desk.md §1)."""
    body, company = _body(), g.company
    phone, transport = str(body.get("phone") or ""), str(body.get("transport") or "")
    channel = company.channels.get(_int(body.get("channel_id")))
    if len(_digits(phone)) < 7:
        return error("Validation failed", 400, {"phone": ["is invalid"]})
    if channel is None or transport not in channel["transports"]:
        return error("Validation failed", 400, {"channel_id": ["is invalid"]})
    with state().lock:
        known = client_by_phone(company, phone)
        if known is not None:
            return error(
                "Client already exist", 400, {"client": ["already exist", json.dumps(known)]}
            )
        spec = {
            "name": str(body.get("nickname") or ""),
            "phone": "+" + _digits(phone),
            "client_phone": "+" + _digits(phone),
            "custom_fields": {},
            "channel": channel["id"],
            "transport": transport,
        }
        client = seed.client_record(state().next_id("client"), spec)
        client["first_client_message"] = client["last_client_message"] = None
        company.clients[client["id"]] = client
    return ok(client)


@bp.put("/dialogs/<int:dialog_id>")
def update_dialog(dialog_id: int):
    """PUT /dialogs/{id} {operator_id, state}: a close or a transfer fires its webhook as one
    made in Chat2Desk's own UI would (reference/chat2desk.md §5.3)."""
    body, company = _body(), g.company
    with state().lock:
        dialog = company.dialogs.get(dialog_id)
        if dialog is None:
            return not_found()
        wanted = body.get("state")
        operator_id = _int(body.get("operator_id"))
        if wanted is not None and wanted not in DIALOG_STATES:
            return error("Validation failed", 400, {"state": ["is invalid"]})
        if body.get("operator_id") is not None and operator_id not in company.operators:
            return error("Operator not found", 404)
        if wanted == "open" and dialog["state"] != "open":
            client = company.clients[dialog["client_id"]]
            company.open_dialog(
                client, dialog["channel_id"], dialog["operator_id"], state().next_id
            )
    if operator_id is not None and operator_id != dialog["operator_id"]:
        overrides = {"dialog_id": dialog_id, "operator_id": operator_id}
        events.fire(state(), company, "dialog_transferred", overrides, sync=False)
    if wanted == "closed" and dialog["state"] != "closed":
        events.fire(state(), company, "close_dialog", {"dialog_id": dialog_id}, sync=False)
    with state().lock:
        return ok(api_dialog(company.dialog_view(dialog)))


@bp.post("/tags/assign_to")
def assign_tags():
    """POST /tags/assign_to {tag_ids[], assignee_type: client|request, assignee_id}."""
    body, company = _body(), g.company
    ids = [_int(t) for t in body.get("tag_ids") or []]
    if not ids or any(t not in company.tags for t in ids):
        return error("Validation failed", 400, {"tag_ids": ["is invalid"]})
    with state().lock:
        owner = _owner(company, body.get("assignee_type"), _int(body.get("assignee_id")))
        if owner is None:
            return error("client does not belong to the company", 400)
        for tag_id in ids:
            _set_tag(company, owner, tag_id, True)
    return ok({"tag_ids": ids})


@bp.delete("/tags/<int:tag_id>/delete_from")
def delete_tag(tag_id: int):
    """DELETE /tags/{id}/delete_from with {client_id} or {request_id} in the JSON body."""
    body, company = _body(), g.company
    if tag_id not in company.tags:
        return error("tag does not exist", 400)
    kind = "client" if body.get("client_id") else "request"
    with state().lock:
        owner = _owner(company, kind, _int(body.get(f"{kind}_id")))
        if owner is None:
            return error(f"{kind} not found", 400)
        _set_tag(company, owner, tag_id, False)
    return ok({"tag_id": tag_id})


def _owner(company, kind, owner_id):
    if kind == "client":
        found = company.clients.get(owner_id)
    elif kind == "request":
        found = company.requests.get(owner_id)
    else:
        found = None
    return (kind, found) if found is not None else None


def _set_tag(company, owner, tag_id: int, add: bool) -> None:
    kind, record = owner
    if kind == "client":
        record["tags"] = [t for t in record["tags"] if t["id"] != tag_id]
        if add:
            record["tags"].append(dict(company.tags[tag_id]))
    elif add and tag_id not in record["tags"]:
        record["tags"].append(tag_id)
    elif not add and tag_id in record["tags"]:
        record["tags"].remove(tag_id)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
