"""Links the app hands out: Chat2Desk web dialogs, the app's dialog page, CRM entities."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .clients.chat2desk import dialog_url
from .models import Portal

DIALOG_LINK_MAX_AGE = 30 * 24 * 3600
ENTITY_PATHS = {
    "deal": "crm/deal/details/{id}/",
    "lead": "crm/lead/details/{id}/",
    "contact": "crm/contact/details/{id}/",
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="b24app.dialog-link")


def dialog_link(portal: Portal, dialog_id, user_id: int, mode: str, api_url: str) -> str:
    """Where a dialog opens: Chat2Desk web, or our dialog page signed for this user."""
    if mode != "bitrix24":
        return dialog_url(api_url, dialog_id)
    key = _serializer().dumps({"m": portal.member_id, "u": int(user_id or 0), "d": str(dialog_id)})
    return f"{current_app.config['PUBLIC_URL']}/dialogs/{dialog_id}?k={key}"


def read_dialog_key(key: str | None, dialog_id: str) -> tuple[str, int] | None:
    """(member_id, user_id) of a valid signed dialog link for this dialog, else None."""
    if not key or len(key) > 1000:
        return None
    try:
        data = _serializer().loads(key, max_age=DIALOG_LINK_MAX_AGE)
    except BadSignature:
        return None
    if str(data.get("d")) != str(dialog_id):
        return None
    return str(data["m"]), int(data["u"])


def entity_url(portal: Portal, kind: str, entity_id) -> str:
    """Absolute portal URL of a CRM entity (for notifications, BB-code [url=…])."""
    return portal.base_url + ENTITY_PATHS[kind].format(id=entity_id)


def entity_path(kind: str, entity_id) -> str:
    """Portal-relative path for BX24.openPath inside the iframe."""
    return "/" + ENTITY_PATHS[kind].format(id=entity_id)
