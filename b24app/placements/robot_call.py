"""The robot call Bitrix24 posts (CONTRACT §8 "robot call") as a journal payload.

The payload is what the journal keeps and a retry runs again: no tokens from `auth`, and a
signature over the event token so that only this handler — never a Chat2Desk webhook that
names the same hook type — can make the robot flow send anything."""

import hashlib
import hmac
import time

from flask import current_app

from ..clients.http import parse_php_form

HOOK_TYPE = "b24_robot"


def signature(event_token: str, member_id: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"robot:{member_id}:{event_token}".encode(), hashlib.sha256).hexdigest()


def signed(payload: dict, member_id: str) -> bool:
    expected = signature(str(payload.get("event_token") or ""), member_id)
    return hmac.compare_digest(expected, str(payload.get("signature") or ""))


def _list(value) -> list:
    if isinstance(value, dict):
        return [value[k] for k in sorted(value, key=lambda k: int(k) if k.isdigit() else 0)]
    return list(value) if isinstance(value, list) else []


def parse(pairs) -> tuple[dict, dict]:
    """(auth, journal payload) of a form-encoded robot call."""
    tree = parse_php_form(pairs)
    auth = tree.get("auth") if isinstance(tree.get("auth"), dict) else {}
    props = tree.get("properties") if isinstance(tree.get("properties"), dict) else {}
    token = str(tree.get("event_token") or "")[:500]
    member_id = str(auth.get("member_id") or "")
    payload = {
        "hook_type": HOOK_TYPE,
        # the idempotency key is `b24_robot:<digest of the event token>` (one answer per token)
        "message_id": hashlib.sha256(token.encode()).hexdigest()[:40],
        "event_token": token,
        "code": str(tree.get("code") or ""),
        "workflow_id": str(tree.get("workflow_id") or "")[:64],
        "document_id": [str(v)[:64] for v in _list(tree.get("document_id"))][:3],
        "properties": {
            key: str(props.get(key) or "")[:4000] for key in ("text", "channel_id", "transport")
        },
        "received_at": time.time(),
        "signature": signature(token, member_id) if token else "",
    }
    return auth, payload
