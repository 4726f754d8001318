"""The app's own Open Lines connector in Bitrix24: register, (de)activate on a line, status."""

import logging
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from . import portals
from .clients.bitrix24 import Bitrix24Error
from .models import Portal

log = logging.getLogger(__name__)
CONNECTOR_ID = "chat2desk_b24app"
NAME = "Chat2Desk"
COLOR = "#2FC6F6"
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 70 70">'
    '<rect width="70" height="70" rx="14" fill="#2FC6F6"/>'
    '<path fill="#fff" d="M18 20h34a6 6 0 0 1 6 6v16a6 6 0 0 1-6 6H32l-10 8v-8h-4a6 6 0 0 1'
    '-6-6V26a6 6 0 0 1 6-6z"/></svg>'
)


class ConnectorError(Exception):
    """Bitrix24 refused to register the connector; the text says why."""


def icon() -> dict:
    """ICON block: a URL-encoded SVG data URI as imconnector.register wants it."""
    return {
        "DATA_IMAGE": "data:image/svg+xml," + quote(ICON_SVG, safe=""),
        "COLOR": COLOR,
        "SIZE": "90%",
        "POSITION": "center",
    }


def register_fields(public_url: str) -> dict:
    return {
        "ID": CONNECTOR_ID,
        "NAME": NAME,
        "ICON": icon(),
        "PLACEMENT_HANDLER": public_url.rstrip("/") + "/",
        "NEED_SIGNATURE": False,
        "CHAT_GROUP": False,
    }


def _registered(result) -> bool:
    """Accept both documented shapes: `true` and `{"result": true}`."""
    if isinstance(result, dict):
        return bool(result.get("result")) and not result.get("error")
    return result is True or result in (1, "1", "Y")


def register(client) -> None:
    """imconnector.register (re-registering with the same ID only updates it)."""
    result = client.call("imconnector.register", register_fields(current_app.config["PUBLIC_URL"]))
    if not _registered(result):
        reason = result.get("error") if isinstance(result, dict) else result
        raise ConnectorError(f"imconnector.register: {reason}")


def register_quietly(portal: Portal) -> bool:
    """At install: register, log a failure instead of breaking the install."""
    try:
        register(portal_client(portal))
        return True
    except (Bitrix24Error, ConnectorError) as exc:
        log.warning("portal %s: connector not registered: %s", portal.id, exc)
        return False


def portal_client(portal: Portal):
    return portals.client_for(portal)


def line_of(common: dict) -> str:
    """The line the connector should be active on, '' when Open Lines are off."""
    if not common.get("openlines_enabled"):
        return ""
    return str(common.get("openline_id") or "")


def _activate_commands(line: str) -> dict:
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    data = {"ID": CONNECTOR_ID, "URL": public + "/", "URL_IM": public + "/", "NAME": NAME}
    return {
        "activate": (
            "imconnector.activate",
            {"CONNECTOR": CONNECTOR_ID, "LINE": line, "ACTIVE": 1},
        ),
        "data": (
            "imconnector.connector.data.set",
            {"CONNECTOR": CONNECTOR_ID, "LINE": line, "DATA": data},
        ),
    }


def _deactivate_command(line: str) -> tuple[str, dict]:
    return "imconnector.activate", {"CONNECTOR": CONNECTOR_ID, "LINE": line, "ACTIVE": 0}


def plan(old_common: dict, new_common: dict) -> tuple[list[str], list[str]]:
    """(lines to deactivate, lines to activate): every line in use — the main one and each
    channel's own (`openline_<channel_id>`) — gets the connector."""
    from .flows.ol_routing import lines_in_use

    old, new = lines_in_use(old_common), lines_in_use(new_common)
    return sorted(old - new), sorted(new)


def sync(portal: Portal, old_common: dict, new_common: dict) -> str:
    """After the Common tab is saved: (de)activate the connector; returns a problem or ''."""
    off, on = plan(old_common or {}, new_common or {})
    if not off and not on:
        return ""
    client = portal_client(portal)
    commands = {f"deactivate_{line}": _deactivate_command(line) for line in off}
    try:
        if on:
            register(client)
        for line in on:
            commands.update({f"{key}_{line}": cmd for key, cmd in _activate_commands(line).items()})
        result = client.batch(commands)
        result.raise_first()
    except (Bitrix24Error, ConnectorError) as exc:
        log.warning("portal %s: connector sync failed: %s", portal.id, exc)
        return _("Open Lines connector: %(why)s", why=str(exc))
    from .choices import invalidate

    invalidate(portal)  # the cached connector state changed with it
    return ""


def status(portal: Portal, common: dict | None = None) -> dict:
    """imconnector.status on the chosen line: {"ok", "line", "detail"} for the health page."""
    from . import settings_store

    line = line_of(common if common is not None else settings_store.load(portal, "common"))
    if not line:
        return {"ok": True, "line": "", "detail": _("Open Lines relay is off.")}
    try:
        result = portal_client(portal).call(
            "imconnector.status", {"CONNECTOR": CONNECTOR_ID, "LINE": line}
        )
    except Bitrix24Error as exc:
        return {"ok": False, "line": line, "detail": f"imconnector.status: {exc}"}
    result = result if isinstance(result, dict) else {}
    active = bool(result.get("STATUS")) and not result.get("ERROR")
    detail = (
        _("active on line %(line)s", line=line)
        if active
        else _("not active on line %(line)s", line=line)
    )
    return {"ok": active, "line": line, "detail": detail}


def connect_from_contact_center(portal: Portal, options: dict) -> tuple[bool, str]:
    """SETTING_CONNECTOR placement: the admin picked a line in the Contact Center.

    Turns Open Lines on with that line (the Common tab shows it), activates the connector
    there and deactivates it on a previous line. Returns (ok, words for the admin)."""
    from . import settings_store
    from .extensions import db

    line = str(options.get("LINE") or "").strip()
    if not line.isdigit():
        return False, _("Bitrix24 did not say which Open Line to connect.")
    old = settings_store.load(portal, "common")
    new = {**old, "openlines_enabled": True, "openline_id": line}
    problem = sync(portal, old, new)
    if problem:
        return False, problem
    settings_store.save(portal, "common", new)
    db.session.commit()
    return True, _("Chat2Desk is connected to Open Line %(line)s.", line=line)
