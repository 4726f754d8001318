"""What crosses the connector: Chat2Desk messages as Open Lines items, operator text back."""

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..clients.c2d_normalize import real_phone
from ..phrases import gettext as _
from .bbcode import plain, safe_url
from .people import ol_name

MEDIA_KEYS = ("photo", "video", "audio", "pdf")
# Operator-side messages cannot be sent as such through imconnector.send.messages (it only
# carries the client's side), so they go in as client-side items with a visible prefix.


def operator_prefix() -> str:
    """'Operator (Chat2Desk): ' in the portal's language."""
    return _("Operator (Chat2Desk):") + " "


_SIGNATURE = re.compile(r"^\s*\[b\][^\[\]]{0,120}:\s*\[/b\]\s*(\[br\]\s*)?", re.IGNORECASE)
_URL = re.compile(r"\[url=([^\]]+)\](.*?)\[/url\]", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"\[/?(b|i|u|s|quote|code|color(=[^\]]*)?|size(=[^\]]*)?|url)\]", re.IGNORECASE)


@dataclass(frozen=True)
class LineMessage:
    """One message to put into the Open Line chat of a Chat2Desk dialog."""

    id: str
    dialog_id: str
    client_id: str
    text: str = ""
    date: int = 0
    files: list = field(default_factory=list)
    is_group: bool = False
    sender_phone: str | None = None
    operator_side: bool = False
    operator_name: str = ""


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes")


def is_group(row: dict) -> bool:
    """CONTRACT §8: `is_group`, `extra_data.is_group` or `extra_data.group`."""
    extra = row.get("extra_data") if isinstance(row.get("extra_data"), dict) else {}
    return any(_truthy(v) for v in (row.get("is_group"), extra.get("is_group"), extra.get("group")))


def sender_phone(row: dict) -> str | None:
    """CONTRACT §8: `sender_phone`, else `extra_data.sender_phone` or `.author_phone`."""
    extra = row.get("extra_data") if isinstance(row.get("extra_data"), dict) else {}
    found = (row.get("sender_phone"), extra.get("sender_phone"), extra.get("author_phone"))
    return next((str(v) for v in found if v), None)


def files_of(row: dict) -> list[dict]:
    """Attachments and media URLs as imconnector `files` [{url, name}], without repeats."""
    files, seen = [], set()
    for att in row.get("attachments") or []:
        if not isinstance(att, dict):
            continue
        inner = att.get("file") if isinstance(att.get("file"), dict) else {}
        url = inner.get("url") or att.get("hard_link") or att.get("link") or att.get("url")
        name = att.get("original_file_name") or att.get("name")
        _add(files, seen, url, name)
    for key in MEDIA_KEYS:
        if isinstance(row.get(key), str):
            _add(files, seen, row[key], None)
    return files


def _add(files: list, seen: set, url, name) -> None:
    url = safe_url(url)  # http(s) only, `[` `]` and spaces escaped
    if url is None or url in seen:
        return
    seen.add(url)
    name = str(name or os.path.basename(url.split("?")[0]) or "file")
    files.append({"url": url, "name": plain(name)})


def unix_time(value) -> int:
    """Unix seconds from a unix number or an ISO / Chat2Desk time string; now when unknown."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value)
    text = str(value or "").strip().replace(" UTC", "+00:00")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return int(datetime.now(UTC).timestamp())
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp())


def from_webhook(event, *, operator_side: bool = False) -> LineMessage:
    """An `inbox` (or foreign `outbox`) webhook as a line message."""
    payload = event.payload
    return LineMessage(
        id=str(event.message_id),
        dialog_id=str(event.dialog_id),
        client_id=str(event.client_id),
        text=event.text or "",
        date=unix_time(payload.get("created") or event.event_time),
        files=files_of(payload),
        is_group=event.is_group,
        sender_phone=event.sender_phone,
        operator_side=operator_side,
    )


def from_request_row(row: dict, dialog_id: str, client_id: str) -> LineMessage:
    """A row of `GET /requests/{id}/messages` (camelCase ids, type in|out) as a line message."""
    return LineMessage(
        id=str(row.get("id")),
        dialog_id=str(row.get("dialogID") or dialog_id),
        client_id=str(row.get("clientID") or client_id),
        text=str(row.get("text") or ""),
        date=unix_time(row.get("created")),
        files=files_of(row),
        is_group=is_group(row),
        sender_phone=sender_phone(row),
        operator_side=str(row.get("type")) in ("out", "to_client"),
    )


def line_text(msg: LineMessage, sign_group_phone: bool) -> str:
    """Text as the operator reads it: group chats signed with the sender's phone when asked."""
    text = plain(msg.text)
    if msg.operator_side:
        return (f"{msg.operator_name}: " if msg.operator_name else operator_prefix()) + text
    if msg.is_group and sign_group_phone and msg.sender_phone:
        return f"{plain(msg.sender_phone)}: {text}"
    return text


def connector_item(msg: LineMessage, client: dict, sign_group_phone: bool) -> dict:
    """One MESSAGES entry of imconnector.send.messages (CONTRACT §8 ids)."""
    user = {"id": msg.client_id, "skip_phone_validate": "Y"}
    name = ol_name(client)
    if name:
        user["name"] = name
    phone = real_phone(client) if client else None
    if phone:
        user["phone"] = phone
    message = {"id": msg.id, "date": msg.date, "disable_crm": "Y"}
    text = line_text(msg, sign_group_phone)
    if text:
        message["text"] = text
    if msg.files:
        message["files"] = [dict(f) for f in msg.files]
    return {"user": user, "message": message, "chat": {"id": msg.dialog_id, "name": name}}


def operator_text(text) -> str:
    """Operator text from Bitrix24 as plain text: signature and BB-code removed."""
    text = _SIGNATURE.sub("", str(text or ""))
    text = re.sub(r"\[br\]", "\n", text, flags=re.IGNORECASE)
    text = _URL.sub(
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})", text
    )
    return _TAG.sub("", text).strip()


def as_list(value) -> list:
    """PHP bracket form gives {"0": …, "1": …}; JSON gives a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        keys = sorted(
            value, key=lambda k: (not str(k).isdigit(), int(k) if str(k).isdigit() else 0, str(k))
        )
        return [value[k] for k in keys]
    return []
