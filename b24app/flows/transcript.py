"""A dialog's messages as readable timeline text: "[27.11.2026 10:15] Client name: text"."""

from datetime import UTC, datetime

from ..phrases import gettext as _
from .bbcode import link, plain
from .convert import Unconvertible, to_datetime

MAX_COMMENT = 60_000
_CLIENT_TYPES = {"from_client", "in"}
_OPERATOR_TYPES = {"to_client", "out"}
_MEDIA_KEYS = ("photo", "video", "audio", "pdf")


def stamp(created) -> str:
    """`DD.MM.YYYY HH:MM` (UTC) from unix seconds or a Chat2Desk time string."""
    try:
        moment = datetime.fromisoformat(to_datetime(created)).astimezone(UTC)
    except (Unconvertible, ValueError, TypeError, OverflowError, OSError):
        return str(created or "")
    return moment.strftime("%d.%m.%Y %H:%M")


def _operator_id(msg: dict):
    return msg.get("operator_id", msg.get("operatorID"))


def speaker(msg: dict, client_name: str, operators: dict) -> str:
    """Who wrote the message, in words."""
    kind = str(msg.get("type") or "")
    system_type = (
        (msg.get("extra_data") or {}).get("system_type")
        if isinstance(msg.get("extra_data"), dict)
        else None
    )
    if kind in _CLIENT_TYPES:
        return client_name or _("Client")
    if kind == "autoreply":
        return _("Auto-reply")
    if str(_operator_id(msg)) == "0" and kind != "comment":
        return _("System")  # operatorID 0: no operator (RA-Company/ctd request.go, int64)
    operator = operators.get(str(_operator_id(msg))) or _("Operator")
    if kind == "comment" or system_type == "comment":
        return _("%(operator)s (internal comment)", operator=operator)
    if kind in _OPERATOR_TYPES:
        return operator
    return _("System")


def links(msg: dict) -> list[str]:
    """BB-code links to the message's attachments and media."""
    out, seen = [], set()
    for item in msg.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        url = item.get("link") or item.get("hard_link") or (item.get("file") or {}).get("url")
        name = item.get("name") or item.get("original_file_name") or _("file")
        if url and url not in seen:
            seen.add(url)
            out.append(link(url, name))
    for key in _MEDIA_KEYS:
        url = msg.get(key)
        if isinstance(url, str) and url.startswith("http") and url not in seen:
            seen.add(url)
            out.append(link(url, url.rsplit("/", 1)[-1] or key))
    return out


def line(msg: dict, client_name: str, operators: dict) -> str:
    text = plain(str(msg.get("text") or "").strip())
    parts = [text] if text else []
    parts.extend(links(msg))
    body = " ".join(parts) or _("(empty message)")
    when = stamp(msg.get("created"))
    prefix = f"[{when}] " if when else ""
    return f"{prefix}{plain(speaker(msg, client_name, operators))}: {body}"


def render(messages: list[dict], client_name: str, operators: dict, title: str = "") -> str:
    """The whole transcript, oldest first, trimmed to what a comment may hold."""
    ordered = sorted(messages, key=lambda m: int(m.get("id") or 0))
    lines = [line(m, client_name, operators) for m in ordered]
    text = "\n".join(([title] if title else []) + (lines or [_("(no messages)")]))
    if len(text) <= MAX_COMMENT:
        return text
    return text[: MAX_COMMENT - 40] + "\n… " + _("(truncated)")
