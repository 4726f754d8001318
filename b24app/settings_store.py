"""Per-portal settings documents with the defaults of a new portal (CONTRACT §5)."""

from sqlalchemy import select

from .extensions import db
from .models import Portal, Setting

SHOW_KEYS = (
    "show_client_name",
    "show_text",
    "show_dialog_id",
    "show_dialog_link",
    "show_entity_links",
)
ANALYTICS_KEYS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_all",
    "client_id",
    "message_id",
    "click_time",
)

DEFAULTS: dict[str, dict] = {
    "common": {
        "notify_incoming": True,
        "openlines_enabled": False,
        "openline_id": "",
        "sign_group_phone": False,
        "dialog_links": "chat2desk",
        "ol_sign_operator": False,
        "ol_wait_operator": False,
        "ol_delivery_errors": False,
    },
    "tags": {"tag_mode": "ignore", "tags": [], "send_previous_on_tag": False},
    "analytics": {},
    "fields": {},
    "operators": {
        "notify_assignment": True,
        **{key: True for key in SHOW_KEYS},
        "escalate_minutes": 0,
    },
    "crm": {},
    "access": {"tab_access": "everyone", "tab_users": []},
}


def load(portal: Portal, tab: str) -> dict:
    """The tab's stored values over its defaults."""
    row = db.session.execute(
        select(Setting).filter_by(portal_id=portal.id, tab=tab)
    ).scalar_one_or_none()
    return {**DEFAULTS.get(tab, {}), **(row.data if row else {})}


def load_all(portal: Portal) -> dict[str, dict]:
    """Every tab in one query."""
    rows = db.session.execute(select(Setting).filter_by(portal_id=portal.id)).scalars()
    stored = {row.tab: row.data for row in rows}
    return {tab: {**defaults, **stored.get(tab, {})} for tab, defaults in DEFAULTS.items()}


def save(portal: Portal, tab: str, data: dict) -> None:
    """Replace the tab's document (the caller commits)."""
    row = db.session.execute(
        select(Setting).filter_by(portal_id=portal.id, tab=tab)
    ).scalar_one_or_none()
    if row is None:
        db.session.add(Setting(portal_id=portal.id, tab=tab, data=dict(data)))
    else:
        row.data = dict(data)
