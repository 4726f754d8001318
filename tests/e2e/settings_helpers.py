"""Shared steps of the settings-tab tests: a connected portal, stored settings, request counts."""

import re

from sqlalchemy import select

from b24app import choices, settings_store
from b24app.extensions import db
from b24app.models import Portal

from .helpers import b24_log, connect, installed_portal, new_c2d_company, open_app, submit


def ready(box, name: str, **options) -> str:
    """Install, open as admin and connect a fresh Chat2Desk company; the frame token."""
    installed_portal(box, name, **options)
    token = open_app(box, name)
    assert connect(box, token, c2d_token=new_c2d_company(box)).status_code == 302
    return token


def member(box, name: str) -> str:
    from .helpers import state

    return state(box, name)["member_id"]


def stored(box, name: str, tab: str) -> dict:
    """The tab's settings as the flows read them."""
    with box.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=member(box, name))
        ).scalar_one()
        return settings_store.load(portal, tab)


def store(box, name: str, tab: str, data: dict) -> None:
    """Write a tab's document directly (e.g. a value that no longer exists)."""
    with box.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=member(box, name))
        ).scalar_one()
        settings_store.save(portal, tab, data)
        db.session.commit()


def forget_lists(box, name: str) -> None:
    """Drop the cached choices so the next render is cold."""
    with box.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=member(box, name))
        ).scalar_one()
        choices.invalidate(portal)


def batches(box, name: str) -> list:
    return [e for e in b24_log(box, name) if e["method"] == "batch"]


def save(box, token: str, tab: str, data: dict):
    return submit(box, f"/settings/{tab}", token, data)


def selected(html: str, name: str) -> list[str]:
    """Values of the selected options of a select."""
    options = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option selected value="([^"]*)"', options)


def checked(html: str, name: str) -> bool:
    """Whether a checkbox is rendered checked."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return " checked" in tag
