"""Typed Chat2Desk webhook events and their idempotency keys (CONTRACT §6, §8)."""

import hashlib
import json
from dataclasses import dataclass, field

KNOWN = {
    "inbox",
    "outbox",
    "outbox_status",
    "comment",
    "imported_message",
    "system_message",
    "new_client",
    "client_updated",
    "new_request",
    "close_request",
    "close_dialog",
    "dialog_transferred",
    "add_tag_to_client",
    "delete_tag_from_client",
    "add_tag_to_request",
    "delete_tag_from_request",
    "client_added_to_blacklist",
    "new_ticket",
    "ticket_updated",
    "ticket_deleted",
    "operator_status_updated",
    "new_qr_code",
}
TAG_EVENTS = {
    "add_tag_to_client",
    "delete_tag_from_client",
    "add_tag_to_request",
    "delete_tag_from_request",
}

# Client events carry the client's own card: its id is `id` (issue #12 item 11; the ERP samples
# in shared/reference/chat2desk.md §5.3). `client_id` is still read first.
CLIENT_ID_KEYS = {"client_updated": ("client_id", "id"), "new_client": ("client_id", "id")}


class MalformedEvent(ValueError):
    """The body is not a Chat2Desk event; the text says why."""


def _id(payload: dict, *names: str, nested: dict | None = None) -> str | None:
    for source in (payload, nested or {}):
        for name in names:
            value = source.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise MalformedEvent(f"'{name}' must be a number or a string")
            text = str(value).strip()
            if len(text) > 64:
                raise MalformedEvent(f"'{name}' is too long")
            if text:
                return text
    return None


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class C2DEvent:
    """One Chat2Desk webhook, with the ids every flow needs pulled out and checked."""

    hook_type: str
    key: str
    message_id: str | None = None
    dialog_id: str | None = None
    request_id: str | None = None
    client_id: str | None = None
    operator_id: str | None = None
    channel_id: str | None = None
    tag_id: str | None = None
    text: str = ""
    event_time: str = ""
    message_type: str = ""
    is_group: bool = False
    sender_phone: str | None = None
    payload: dict = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.hook_type in KNOWN


def parse(payload) -> C2DEvent:
    """Check and type a webhook body; raises MalformedEvent with a reason."""
    if not isinstance(payload, dict):
        raise MalformedEvent("the body must be a JSON object")
    hook_type = payload.get("hook_type")
    if not isinstance(hook_type, str) or not hook_type.strip():
        raise MalformedEvent("'hook_type' is missing")
    hook_type = hook_type.strip()[:64]
    extra = payload.get("extra_data") if isinstance(payload.get("extra_data"), dict) else {}
    client = payload.get("client") if isinstance(payload.get("client"), dict) else {}
    text = payload.get("text")
    event_time = payload.get("event_time")
    ids = {
        "message_id": _id(payload, "message_id"),
        "dialog_id": _id(payload, "dialog_id"),
        "request_id": _id(payload, "request_id"),
        "client_id": _id(
            payload,
            *CLIENT_ID_KEYS.get(hook_type, ("client_id",)),
            nested={"client_id": client.get("id")},
        ),
        "operator_id": _id(payload, "operator_id"),
        "channel_id": _id(payload, "channel_id"),
        "tag_id": _id(payload, "tag_id", "id") if hook_type in TAG_EVENTS else None,
    }
    sender = next(
        (
            str(v)
            for v in (
                payload.get("sender_phone"),
                extra.get("sender_phone"),
                extra.get("author_phone"),
            )
            if v
        ),
        None,
    )
    return C2DEvent(
        hook_type=hook_type,
        key=idempotency_key(hook_type, payload, ids),
        text=text if isinstance(text, str) else "",
        event_time=event_time if isinstance(event_time, str) else str(event_time or ""),
        message_type=str(payload.get("type") or ""),
        is_group=any(
            _truthy(v) for v in (payload.get("is_group"), extra.get("is_group"), extra.get("group"))
        ),
        sender_phone=sender,
        payload=payload,
        **ids,
    )


def idempotency_key(hook_type: str, payload: dict, ids: dict) -> str:
    """`hook_type:message_id`, else `hook_type:owner:event_time` (tag events add the tag)."""
    if ids["message_id"] and hook_type not in TAG_EVENTS:
        return f"{hook_type}:{ids['message_id']}"
    owner = ids["request_id"] or ids["dialog_id"] or ids["client_id"]
    stamp = payload.get("event_time")
    if owner and stamp:
        tag = f":{ids['tag_id']}" if ids.get("tag_id") else ""
        return f"{hook_type}:{owner}{tag}:{stamp}"[:255]
    canonical = json.dumps(payload, sort_keys=True, default=str).encode()
    return f"{hook_type}:sha256:{hashlib.sha256(canonical).hexdigest()}"
