"""Links the app hands out: Chat2Desk web dialogs, the app's dialog page, CRM entities."""

from urllib.parse import quote, urlencode

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from . import keys
from .clients.chat2desk import dialog_url
from .extensions import db
from .models import Portal

DIALOG_LINK_MAX_AGE = 7 * 24 * 3600  # CONTRACT §3: a dialog link expires within 7 days
ENTITY_PATHS = {
    "deal": "crm/deal/details/{id}/",
    "lead": "crm/lead/details/{id}/",
    "contact": "crm/contact/details/{id}/",
}


def _serializer(portal: Portal) -> URLSafeTimedSerializer:
    """Signed with the dialog-link key and the portal's link secret (rotating it revokes)."""
    salt = "b24app.dialog-link:" + (portal.link_secret or "")
    return URLSafeTimedSerializer(keys.keys_for("dialog-links"), salt=salt)


def dialog_link(portal: Portal, dialog_id, user_id: int, mode: str, api_url: str) -> str:
    """Where a dialog opens: Chat2Desk web, or our dialog page inside the portal for this user.

    `/marketplace/view/#APP_CODE#/?params[…]` opens the app's REST_APP_URI handler in a slider
    with the clicking user's verified entry (b24restdocs api-reference/widgets/universal/
    app-url.md); the handler lets in only the user the link was made for.
    """
    if mode != "bitrix24":
        return dialog_url(api_url, dialog_id)
    data = {"m": portal.member_id, "u": int(user_id or 0), "d": str(dialog_id)}
    key = _serializer(portal).dumps(data)
    cfg = current_app.config
    code = quote(str(cfg.get("B24_APP_CODE") or cfg["B24_CLIENT_ID"]), safe="")
    query = urlencode({"params[dialog]": str(dialog_id), "params[k]": key})
    return f"{portal.base_url}marketplace/view/{code}/?{query}"


def direct_link(key: str, dialog_id) -> str:
    """The dialog page outside the portal for a link key (still checked per user and dialog)."""
    return f"{current_app.config['PUBLIC_URL']}/dialogs/{dialog_id}?k={key}"


def read_dialog_key(key: str | None, dialog_id: str) -> tuple[Portal, int] | None:
    """(portal, user_id) of a valid, unexpired, unrevoked link for this dialog, else None."""
    if not key or len(key) > 1000:
        return None
    _valid, claimed = URLSafeTimedSerializer(b"-").loads_unsafe(key)
    member = claimed.get("m") if isinstance(claimed, dict) else None
    portal = db.session.execute(
        select(Portal).filter_by(member_id=str(member or ""), status="active")
    ).scalar_one_or_none()
    if portal is None:
        return None
    try:
        data = _serializer(portal).loads(key, max_age=DIALOG_LINK_MAX_AGE)
    except BadSignature:
        return None
    if str(data.get("d")) != str(dialog_id) or str(data.get("m")) != portal.member_id:
        return None
    return portal, int(data["u"])


def entity_url(portal: Portal, kind: str, entity_id) -> str:
    """Absolute portal URL of a CRM entity (for notifications, BB-code [url=…])."""
    return portal.base_url + ENTITY_PATHS[kind].format(id=entity_id)


def entity_path(kind: str, entity_id) -> str:
    """Portal-relative path for BX24.openPath inside the iframe."""
    return "/" + ENTITY_PATHS[kind].format(id=entity_id)
