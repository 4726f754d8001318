"""Normalise Chat2Desk records: real phone numbers, person names, dialog ids, operator roles."""

import re

MIN_PHONE_DIGITS = 7
ROLES = ("admin", "supervisor", "operator", "disabled", "deleted")
_STATUS_ROLES = {"admin", "supervisor", "disabled", "deleted"}
# Access-right names in Chat2Desk's languages: "Supervayzer", "Supervizor" (uz/kk/az Latin),
# "Адміністратор" (uk) appear in public fixtures (issue #12 item 11; RA-Company/ctd operators.go).
_SUPERVISOR_WORDS = ("supervis", "supervayz", "superviz", "супервайз", "супервиз", "superviseur")
_ADMIN_WORDS = ("admin", "админ", "адмін")


def normalize_phone(value) -> str | None:
    """Return `+digits` for a real phone number, None for pseudo-ids like `[tg] 807892`."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text or text.startswith("[") or re.search(r"[^\W\d_]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return "+" + digits


def real_phone(client: dict) -> str | None:
    """The client's real phone: `client_phone` first, `phone` only when it is not a placeholder."""
    if not client:
        return None
    return normalize_phone(client.get("client_phone")) or normalize_phone(client.get("phone"))


# `[chat] 1d0bb2e221762cfcc05c`, `[tg] 807892`, `[wa] …`: a placeholder, not a person (CONTRACT §8
# "names"; the same pseudo-id form Chat2Desk puts in `phone`, shared/reference/chat2desk.md §4.1).
_PSEUDO = re.compile(r"^\s*\[[a-z_]{1,16}\]\s+[\w.@+\-]+\s*$")


def person_name(client: dict) -> str:
    """The client's real name, one rule for every flow: `name` first, then `assigned_name` (the
    operator's); a pseudo name or an empty one is skipped, none left gives ""."""
    for key in ("name", "assigned_name"):
        text = str((client or {}).get(key) or "").strip()
        if text and not _PSEUDO.match(text):
            return text
    return ""


def _id(value) -> str | None:
    return None if value in (None, "", 0, "0") else str(value)


def dialog_client_channel(dialog: dict, rows=()) -> tuple[str | None, str | None]:
    """Client and channel of a dialog. `GET /dialogs/{id}` has no `client_id`/`channel_id`
    (RA-Company/ctd dialogs.go: id, state, begin, end, operator_id, last_message,
    last_request_id, messages): they come from `last_message` (messages.go), else the messages."""
    last = (dialog or {}).get("last_message")
    candidates = [last] if isinstance(last, dict) else []
    candidates += [r for r in reversed(list(rows)) if isinstance(r, dict)]
    client = channel = None
    for msg in candidates:
        client = client or _id(msg.get("client_id", msg.get("clientID")))
        channel = channel or _id(msg.get("channel_id", msg.get("channelID")))
    return client, channel


def _role_from_access_right(name) -> str | None:
    text = str(name or "").strip().lower()
    if not text:
        return None
    if any(word in text for word in _SUPERVISOR_WORDS):
        return "supervisor"
    if any(word in text for word in _ADMIN_WORDS):
        return "admin"
    return None


def operator_role(op: dict) -> str:
    """Legacy role (admin|supervisor|operator|disabled|deleted) from the old or new role model."""
    status = str(op.get("status") or "").strip().lower()
    if status in _STATUS_ROLES:
        return status
    role = _role_from_access_right(op.get("access_right_name"))
    if role:
        return role
    legacy = str(op.get("role") or "").strip().lower()
    return legacy if legacy in ROLES else "operator"
