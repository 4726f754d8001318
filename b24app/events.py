"""Typed, frozen views of what Bitrix24 sends: the iframe entry payload and REST events."""

import hashlib
import json
from dataclasses import dataclass, field

from .clients.http import parse_php_form


@dataclass(frozen=True)
class Entry:
    """The iframe payload Bitrix24 posts to the app page and the installer page."""

    domain: str
    protocol: str
    lang: str
    app_sid: str
    auth_id: str
    auth_expires: str
    refresh_id: str
    server_endpoint: str
    member_id: str
    application_token: str
    status: str
    placement: str
    placement_options: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, args, form) -> "Entry":
        def pick(name: str, default: str = "") -> str:
            return str(form.get(name) or args.get(name) or default).strip()

        try:
            options = json.loads(pick("PLACEMENT_OPTIONS", "{}"))
        except ValueError:
            options = {}
        return cls(
            domain=pick("DOMAIN").removesuffix(":443").removesuffix(":80"),
            protocol=pick("PROTOCOL", "1"),
            lang=pick("LANG", "en").lower()[:2],
            app_sid=pick("APP_SID"),
            auth_id=pick("AUTH_ID"),
            auth_expires=pick("AUTH_EXPIRES", "3600"),
            refresh_id=pick("REFRESH_ID"),
            server_endpoint=pick("SERVER_ENDPOINT"),
            member_id=pick("member_id"),
            application_token=pick("APPLICATION_TOKEN"),
            status=pick("status"),
            placement=pick("PLACEMENT", "DEFAULT"),
            placement_options=options if isinstance(options, dict) else {},
        )

    @property
    def present(self) -> bool:
        return bool(self.auth_id or self.member_id)


@dataclass(frozen=True)
class B24Event:
    """A form-encoded Bitrix24 event (`event`, `data[...]`, `ts`, `auth[...]`)."""

    name: str
    data: dict
    auth: dict
    ts: str

    @classmethod
    def from_form(cls, pairs) -> "B24Event":
        tree = parse_php_form(pairs)
        data, auth = tree.get("data"), tree.get("auth")
        return cls(
            name=str(tree.get("event") or "").upper(),
            data=data if isinstance(data, dict) else {},
            auth=auth if isinstance(auth, dict) else {},
            ts=str(tree.get("ts") or ""),
        )

    @classmethod
    def from_payload(cls, payload: dict) -> "B24Event":
        """The event as the journal stored it (no `auth`: tokens are never journaled)."""
        data = payload.get("data")
        return cls(
            name=str(payload.get("event") or ""),
            data=data if isinstance(data, dict) else {},
            auth={},
            ts=str(payload.get("ts") or ""),
        )

    @property
    def member_id(self) -> str:
        return str(self.auth.get("member_id") or "")

    @property
    def application_token(self) -> str:
        return str(self.auth.get("application_token") or "")


@dataclass(frozen=True)
class Journaled:
    """A Bitrix24 event as the journal keeps it: journaled before anything else, because
    Bitrix24 never redelivers an event (reference/bitrix24.md, `events/index.md`)."""

    hook_type: str
    key: str
    dialog_id: str | None
    payload: dict
    request_id: str | None = None
    client_id: str | None = None

    @classmethod
    def of(cls, event: B24Event) -> "Journaled":
        """Keyed by the Open Lines message ids it carries (a repeat is a duplicate)."""
        items = event.data.get("MESSAGES")
        items = list(items.values()) if isinstance(items, dict) else items
        items = [i for i in (items or []) if isinstance(i, dict)]
        ids = [str((i.get("im") or {}).get("message_id") or "") for i in items]
        chats = [str((i.get("chat") or {}).get("id") or "") for i in items]
        line = str(event.data.get("LINE") or "")
        if any(ids):
            key = f"{event.name}:{line}:{','.join(ids)}"
        else:
            canonical = json.dumps(event.data, sort_keys=True, default=str).encode()
            key = f"{event.name}:sha256:{hashlib.sha256(canonical).hexdigest()}"
        payload = {"event": event.name, "data": event.data, "ts": event.ts}
        return cls(event.name, key[:255], next((c for c in chats if c), None), payload)

    def event(self) -> B24Event:
        return B24Event.from_payload(self.payload)
