"""Normalise Chat2Desk records: real phone numbers and operator roles."""

import re

MIN_PHONE_DIGITS = 7
ROLES = ("admin", "supervisor", "operator", "disabled", "deleted")
_STATUS_ROLES = {"admin", "supervisor", "disabled", "deleted"}
_SUPERVISOR_WORDS = ("supervis", "супервайз", "супервиз", "superviseur")
_ADMIN_WORDS = ("admin", "админ")


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
