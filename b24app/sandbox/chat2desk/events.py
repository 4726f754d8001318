"""Event generators: change the fake store like Chat2Desk would and build the webhook payload."""

import os

from b24app.sandbox.chat2desk.clock import event_time
from b24app.sandbox.chat2desk.delivery import deliver

CONTROL_KEYS = {"tag_key", "omit", "fields", "attachment"}
DEFAULT_INBOX_TEXT = "Hello! I would like to order the grey sofa."
DEFAULT_OUTBOX_TEXT = "Thank you for your message, we will reply shortly."


class UnknownObjectError(LookupError):
    """An override names a client, dialog, request, tag or operator that does not exist."""


def _get(mapping: dict, key, what: str) -> dict:
    try:
        return mapping[int(key)]
    except (KeyError, TypeError, ValueError):
        raise UnknownObjectError(f"{what} {key} not found") from None


def _client(company, ov: dict) -> dict:
    if ov.get("client_id") is not None:
        return _get(company.clients, ov["client_id"], "client")
    if ov.get("dialog_id"):
        dialog = _get(company.dialogs, ov["dialog_id"], "dialog")
        return company.clients[dialog["client_id"]]
    if not company.clients:
        raise UnknownObjectError("the company has no clients")
    return company.clients[min(company.clients)]


def _dialog(state, company, ov: dict) -> dict:
    if ov.get("dialog_id"):
        return _get(company.dialogs, ov["dialog_id"], "dialog")
    client = _client(company, ov)
    dialog = company.dialog_of(client["id"])
    return dialog or company.open_dialog(client, client["channels"][0]["id"], None, state.next_id)


def _request(state, company, ov: dict) -> dict:
    if ov.get("request_id"):
        return _get(company.requests, ov["request_id"], "request")
    return company.requests[_dialog(state, company, ov)["last_request_id"]]


def client_brief(client: dict) -> dict:
    """The `client` object embedded in message webhooks."""
    keys = ("id", "phone", "client_phone", "name", "assigned_name", "external_id")
    return {key: client.get(key) for key in keys}


def _attachment(index: int, item: dict, created: str) -> dict:
    return {
        "id": index,
        "resource_type": "Message",
        "resource_id": None,
        "file": {"url": item["link"]},
        "hard_link": item["link"],
        "content_type": "image/jpeg" if item["name"].endswith(".jpg") else "application/pdf",
        "original_file_name": item["name"],
        "file_size": 48213,
        "created_at": created,
    }


def message_payload(company, msg: dict, hook_type: str, is_new_request: bool = False) -> dict:
    """Common `inbox` / `outbox` payload for a stored message."""
    client = company.clients[msg["client_id"]]
    attachments = [_attachment(i, a, msg["created"]) for i, a in enumerate(msg["attachments"], 1)]
    return {
        "message_id": msg["id"],
        "type": msg["type"],
        "text": msg["text"],
        "transport": msg["transport"],
        "client_id": msg["client_id"],
        "operator_id": msg["operator_id"],
        "dialog_id": msg["dialog_id"],
        "channel_id": msg["channel_id"],
        "photo": msg["photo"],
        "coordinates": msg["coordinates"],
        "audio": msg["audio"],
        "pdf": msg["pdf"],
        "attachments": attachments,
        "client": client_brief(client),
        "hook_type": hook_type,
        "request_id": msg["request_id"],
        "is_new_request": is_new_request,
        "is_new_client": False,
        "extra_data": dict(msg["extra_data"]),
        "is_new": msg["is_new"],
        "event_time": event_time(),
    }


def send_outgoing(state, company, client, text, *, kind="to_client", open_dialog=True, **extra):
    """Store an operator/API message to a client, opening the dialog unless told not to."""
    dialog = company.dialog_of(client["id"])
    if dialog is None or (open_dialog and dialog["state"] != "open"):
        dialog = company.open_dialog(client, client["channels"][0]["id"], None, state.next_id)
    if dialog["operator_id"] is None and kind != "system":
        dialog["operator_id"] = min(company.operators)
    return company.add_message(dialog, kind, text, state.next_id("message"), **extra)


def _inbox(state, company, ov):
    client = _client(company, ov)
    dialog = company.dialog_of(client["id"])
    was_open = dialog is not None and dialog["state"] == "open"
    dialog = company.open_dialog(client, client["channels"][0]["id"], None, state.next_id)
    text = ov.get("text", DEFAULT_INBOX_TEXT)
    msg = company.add_message(dialog, "from_client", text, state.next_id("message"), is_new=True)
    if ov.get("attachment"):
        name = os.path.basename(str(ov["attachment"])) or "file"
        msg["attachments"] = [{"name": name, "link": ov["attachment"]}]
    if client.get("group_sender"):
        msg["extra_data"] = {"is_group": True, "sender_phone": client["group_sender"]}
    payload = message_payload(company, msg, "inbox", is_new_request=not was_open)
    if not was_open and dialog["operator_id"] is None:
        # A new request nobody has taken yet: `[operator_id] => [dialog_id] => …
        # [is_new_request] => 1` (c2dbr-pt.gitbook.io/c2dbr/api-and-webhooks/webhooks-post).
        payload.update(dialog_id=None, operator_id=None, is_new_request=1)
    return payload


def _outbox(state, company, ov):
    client = _client(company, ov)
    kind = ov.get("type", "to_client")
    msg = send_outgoing(state, company, client, ov.get("text", DEFAULT_OUTBOX_TEXT), kind=kind)
    return message_payload(company, msg, "outbox")


def _new_request(state, company, ov):
    client = _client(company, ov)
    dialog = company.dialog_of(client["id"])
    if dialog is not None and dialog["state"] == "open":
        request = company.new_request(dialog, state.next_id("request"))
    else:
        dialog = company.open_dialog(client, client["channels"][0]["id"], None, state.next_id)
        request = company.requests[dialog["last_request_id"]]
    return {
        "request_id": request["id"],
        "client_id": client["id"],
        "dialog_id": dialog["id"],
        "channel_id": dialog["channel_id"],
        "operator_id": dialog["operator_id"],
        "transport": company.transport_of(client),
        "type": "common",
        "by_client": True,
    }


def _tag_id(company, ov) -> int:
    raw = ov.get("tag_id", ov.get("id", min(company.tags)))
    return _get(company.tags, raw, "tag")["id"]


def _request_tag(add: bool):
    def generate(state, company, ov):
        tag_id = _tag_id(company, ov)
        request = _request(state, company, ov)
        if add and tag_id not in request["tags"]:
            request["tags"].append(tag_id)
        if not add and tag_id in request["tags"]:
            request["tags"].remove(tag_id)
        return {"id": tag_id, "request_id": request["id"], "client_id": request["client_id"]}

    return generate


def _client_tag(add: bool):
    def generate(state, company, ov):
        tag_id = _tag_id(company, ov)
        client = _client(company, ov)
        client["tags"] = [t for t in client["tags"] if t["id"] != tag_id]
        payload = {"id": tag_id, "client_id": client["id"]}
        if add:
            client["tags"].append(dict(company.tags[tag_id]))
            payload["channel_id"] = client["channels"][0]["id"]
        return payload

    return generate


def _transfer(state, company, ov):
    dialog = _dialog(state, company, ov)
    if ov.get("operator_id") is not None:
        operator_id = _get(company.operators, ov["operator_id"], "operator")["id"]
    else:
        ids = sorted(company.operators)
        current = dialog["operator_id"]
        operator_id = next((i for i in ids if current is None or i > current), ids[0])
    dialog["operator_id"] = operator_id
    request = company.requests.get(dialog["last_request_id"])
    if request:
        request["operator_id"] = operator_id
    return {
        "operator_id": operator_id,
        "dialog_id": dialog["id"],
        "client_id": dialog["client_id"],
        "request_id": dialog["last_request_id"],
    }


def _close_dialog(state, company, ov):
    dialog = _dialog(state, company, ov)
    company.close_dialog(dialog)
    return {
        "dialog_id": dialog["id"],
        "client_id": dialog["client_id"],
        "request_id": dialog["last_request_id"],
        "operator_id": dialog["operator_id"],
        "channel_id": dialog["channel_id"],
    }


def _close_request(state, company, ov):
    request = _request(state, company, ov)
    dialog = company.dialogs[request["dialog_id"]]
    if dialog["last_request_id"] == request["id"]:
        company.close_dialog(dialog)
    elif request["state"] == "open":
        request["state"] = "closed"
    ids = {"request_id": request["id"], "client_id": request["client_id"]}
    return {**ids, "dialog_id": dialog["id"]}


def _client_updated(state, company, ov):
    client = _client(company, ov)
    fields = dict(ov.get("fields") or {})
    custom = fields.pop("custom_fields", None)
    client.update({k: v for k, v in fields.items() if k not in ("id", "channels", "tags")})
    if isinstance(custom, dict):
        client["custom_fields"].update({str(k): v for k, v in custom.items()})
    keys = ("name", "phone", "client_phone", "assigned_name", "comment", "custom_fields")
    # the client card's own fields, its id in `id` (shared/reference/chat2desk.md §5.3 [ERP])
    return {"id": client["id"], **{k: client.get(k) for k in keys}}


def _outbox_status(state, company, ov):
    """A delivery error from the messenger (`outbox_status`, reference/chat2desk.md §5.3: the
    payload is not documented beyond its text; the fake sends the message's ids with it)."""
    if ov.get("message_id"):
        msg = _get(company.messages, ov["message_id"], "message")
    else:
        client = _client(company, ov)
        sent = [m for m in company.messages.values() if m["client_id"] == client["id"]]
        sent = [m for m in sent if m["type"] == "to_client"]
        if not sent:
            raise UnknownObjectError("the client has no outgoing message")
        msg = sent[-1]
    msg.update(recipient_status="failed", status="failed")
    keys = ("dialog_id", "client_id", "channel_id", "request_id", "operator_id", "transport")
    return {
        "message_id": msg["id"],
        **{key: msg[key] for key in keys},
        "status": "failed",
        "text": ov.get("text", "The messenger did not accept the message"),
    }


GENERATORS = {
    "inbox": _inbox,
    "outbox": _outbox,
    "new_request": _new_request,
    "add_tag_to_request": _request_tag(True),
    "delete_tag_from_request": _request_tag(False),
    "add_tag_to_client": _client_tag(True),
    "delete_tag_from_client": _client_tag(False),
    "dialog_transferred": _transfer,
    "close_dialog": _close_dialog,
    "close_request": _close_request,
    "client_updated": _client_updated,
    "outbox_status": _outbox_status,
}


def apply_overrides(payload: dict, ov: dict) -> dict:
    """Overlay overrides (dicts merge), drop `omit` keys, rename `id` per `tag_key`."""
    for key, value in ov.items():
        if key in CONTROL_KEYS:
            continue
        if isinstance(value, dict) and isinstance(payload.get(key), dict):
            payload[key] = {**payload[key], **value}
        else:
            payload[key] = value
    if ov.get("tag_key") == "tag_id" and "id" in payload:
        payload["tag_id"] = payload.pop("id")
    for key in ov.get("omit") or ():
        payload.pop(key, None)
    return payload


def generate(state, company, kind: str, overrides: dict | None = None) -> dict:
    """Apply event `kind` to the store and return its webhook payload (KeyError if unknown)."""
    ov = dict(overrides or {})
    builder = GENERATORS[kind]
    with state.lock:
        payload = builder(state, company, ov)
    payload.setdefault("hook_type", kind)
    payload.setdefault("event_time", event_time())
    return apply_overrides(payload, ov)


def fire(state, company, kind: str, overrides: dict | None = None, *, sync: bool = True):
    """Generate an event and deliver it; returns (payload, first-attempt statuses)."""
    payload = generate(state, company, kind, overrides)
    return payload, deliver(state, company, payload, sync=sync)
