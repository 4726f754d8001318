"""Per-row selects of the dynamic tabs: (name, label, description) tuples."""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..clients.chat2desk import operator_role
from ..settings_store import ANALYTICS_KEYS
from .options import user_name


def _analytics_help() -> dict[str, str]:
    return {
        "utm_all": _("Every UTM pair in one string field."),
        "client_id": _("The Chat2Desk client id."),
        "message_id": _("The message that started the request."),
        "click_time": _("When the client came from the external source."),
    }


def analytics_rows(entity: str) -> list[tuple[str, str, str]]:
    """deal_<key> / lead_<key> for every analytics key."""
    helps = _analytics_help()
    return [(f"{entity}_{key}", key, helps.get(key, "")) for key in ANALYTICS_KEYS]


def field_type(code) -> str:
    """A Chat2Desk custom-field type in the admin's words (unknown codes shown as they are)."""
    words = {
        "text": _("text"),
        "string": _("text"),
        "number": _("number"),
        "date": _("date"),
        "datetime": _("date and time"),
        "list": _("list"),
        "select": _("list"),
        "boolean": _("yes/no"),
    }
    code = str(code or "text")
    return words.get(code, code)


def custom_field_rows(custom: list[dict], entity: str) -> list[tuple[str, str, str]]:
    """deal_cf_<id> / lead_cf_<id> for every Chat2Desk custom client field."""
    return [
        (
            f"{entity}_cf_{f.get('id')}",
            str(f.get("name") or f.get("id")),
            _("Chat2Desk field of type “%(type)s”", type=field_type(f.get("type"))),
        )
        for f in custom
    ]


def role_label(op: dict) -> str:
    """administrator / supervisor / operator, in the admin's language."""
    return {
        "admin": _("administrator"),
        "supervisor": _("supervisor"),
        "operator": _("operator"),
        "disabled": _("disabled"),
        "deleted": _("deleted"),
    }[operator_role(op)]


def _operator_help(op: dict, user: dict | None) -> Markup:
    """E-mail · role, and a link to the mapped user's profile in the portal."""
    text = escape(" · ".join(x for x in (str(op.get("email") or ""), role_label(op)) if x))
    if user is None:
        return text
    path = f"/company/personal/user/{user.get('ID')}/"
    link = Markup('<a href="{0}" data-open-path="{0}" target="_top">{1}</a>').format(
        path, user_name(user)
    )
    return text + Markup(" · ") + escape(_("mapped to")) + Markup(" ") + link


def operator_rows(ops: list[dict], users: list[dict], stored: dict) -> list:
    """user_<operator id> for every Chat2Desk operator."""
    by_id = {str(u.get("ID")): u for u in users}
    rows = []
    for op in ops:
        name = f"user_{op.get('id')}"
        full = " ".join(str(op.get(k) or "") for k in ("first_name", "last_name")).strip()
        rows.append(
            (
                name,
                full or str(op.get("email") or op.get("id")),
                _operator_help(op, by_id.get(str(stored.get(name) or ""))),
            )
        )
    return rows


def channel_rows(channels: list[dict]) -> list[tuple[str, str, str]]:
    """channel_<id> for every Chat2Desk channel, described by its transports."""
    rows = []
    for ch in channels:
        transports = ", ".join(str(t) for t in ch.get("transports") or [])
        bits = [x for x in (transports, str(ch.get("phone") or "")) if x]
        rows.append(
            (f"channel_{ch.get('id')}", str(ch.get("name") or ch.get("id")), " · ".join(bits))
        )
    return rows
