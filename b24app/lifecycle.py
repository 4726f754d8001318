"""Install, open, update and uninstall: what happens to a portal at each step."""

import hmac
import logging

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select

from . import choices, connector, frame, portals
from .clients.bitrix24 import Bitrix24Client, Bitrix24Error
from .events import B24Event, Entry
from .extensions import db
from .models import Connection, Journal, Portal, RemoteRecord, RequestTag, Setting
from .portals import EntryError

log = logging.getLogger(__name__)
BOT_CODE = "chat2desk_notifier"


def enter(entry: Entry, *, installing: bool = False) -> tuple[Portal, str]:
    """Verify an iframe entry, store the portal (admins only), and mint the frame token."""
    if not entry.present:
        raise EntryError(_("Open this application from your Bitrix24 portal."), 400)
    info = portals.verify_token(entry.server_endpoint, entry.auth_id, entry.member_id)
    if entry.domain and info.get("install", {}).get("domain") not in (None, "", entry.domain):
        raise EntryError(_("DOMAIN does not match the portal the access token belongs to."))
    endpoint = portals.client_endpoint_from(info, entry.protocol, entry.domain)
    existing = db.session.execute(
        select(Portal).filter_by(member_id=entry.member_id)
    ).scalar_one_or_none()
    first_time = existing is None or not existing.active
    user_id = _int(info.get("user_id"))
    is_admin = _is_admin(endpoint, entry.auth_id)
    if (installing or first_time) and not is_admin:
        raise EntryError(_not_admin_reason(), 403)  # nothing stored, nothing replaced
    if installing or first_time:
        portal = portals.upsert_portal(
            entry.member_id,
            info=info,
            server_endpoint=entry.server_endpoint,
            access_token=entry.auth_id,
            refresh_token=entry.refresh_id,
            expires_in=entry.auth_expires,
            application_token=entry.application_token,
            user_id=user_id,
            lang=entry.lang,
            domain=entry.domain,
            protocol=entry.protocol,
        )
    else:
        portal = existing
        portal.lang = entry.lang or portal.lang
        if portal.client_endpoint != endpoint:  # renamed, or set by an older version's event
            portal.client_endpoint = endpoint
    if is_admin:
        portals.note_admin(portal, user_id)
    db.session.commit()
    if installing or first_time:
        setup(portal)
    token = frame.mint(portal.member_id, user_id or 0, is_admin, entry.lang)
    return portal, token


def _not_admin_reason() -> str:
    return _(
        "Only a Bitrix24 administrator can install this application or renew its access. "
        "Nothing was changed."
    )


def _is_admin(endpoint: str, auth_id: str) -> bool:
    """`user.admin` with the verified token, at the REST base app.info reported."""
    user = Bitrix24Client(
        endpoint,
        auth_id,
        session=portals.http_session(),
        timeout=current_app.config["HTTP_TIMEOUT"],
    )
    try:
        return bool(user.call("user.admin"))
    except Bitrix24Error as exc:
        raise EntryError(
            _("Bitrix24 did not tell whether you are an administrator (%(code)s).", code=exc.code),
            403,
        ) from None


def setup(portal: Portal) -> list[str]:
    """Bind our event handlers and register the bot; safe to repeat. Returns what was done."""
    client = portals.client_for(portal)
    handler = current_app.config["PUBLIC_URL"] + url_for("events.receive")
    done = []
    try:
        bound = client.call("event.get") or []
        have = {(str(b.get("event", "")).upper(), b.get("handler")) for b in bound}
        commands = {
            f"bind_{name}": ("event.bind", {"event": name, "handler": handler})
            for name in portals.EVENTS
            if (name, handler) not in have
        }
        if not portal.bot_id:
            commands["bot"] = ("imbot.register", _bot_fields(handler))
        if commands:
            res = client.batch(commands)
            for key, err in res.errors.items():
                if not already_bound(err):
                    log.warning("setup step %s failed: %s", key, err.code or err.description)
            if res.result.get("bot"):
                portal.bot_id = _int(res.result["bot"])
            done = sorted(k for k in commands if k not in res.errors)
        db.session.commit()
    except Bitrix24Error as exc:
        log.warning("portal %s setup incomplete: %s", portal.id, exc.code)
    done += ["connector"] if connector.register_quietly(portal) else []
    from .placements import binding

    done += binding.ensure(portal, client, current_app.config["PUBLIC_URL"])
    choices.invalidate(portal)  # a reinstall may have changed lines and the connector's state
    return done


def already_bound(err) -> bool:
    """A duplicate `event.bind` is a success: ERROR_HANDLER_ALREADY_EXIST "Handler already
    exists!" (b24restdocs error-codes.md) or, on real portals, ERROR_CORE "Handler already binded"
    (the wording of api-reference/widgets/user-field/userfieldtype-add.md)."""
    text = str(getattr(err, "description", "") or "").lower()
    return err.code == "ERROR_HANDLER_ALREADY_EXIST" or (
        err.code == "ERROR_CORE" and "already" in text and ("binded" in text or "exist" in text)
    )


def _bot_fields(handler: str) -> dict:
    return {
        "CODE": BOT_CODE,
        "TYPE": "B",
        "OPENLINE": "N",
        "EVENT_MESSAGE_ADD": handler,
        "EVENT_WELCOME_MESSAGE": handler,
        "EVENT_BOT_DELETE": handler,
        "PROPERTIES": {
            "NAME": "Chat2Desk",
            "COLOR": "AQUA",
            "WORK_POSITION": "Chat2Desk notifications",
        },
    }


def handle_event(event: B24Event) -> tuple[dict, int]:
    """Authenticate and apply one Bitrix24 event; returns a JSON answer and status."""
    portal = db.session.execute(
        select(Portal).filter_by(member_id=event.member_id)
    ).scalar_one_or_none()
    if event.name in ("ONAPPINSTALL", "ONAPPUPDATE") and event.auth.get("access_token"):
        return _install_event(event, portal)
    if portal is None or not portal.application_token:
        return {"error": "unknown portal"}, 401
    if not hmac.compare_digest(portal.application_token.encode(), event.application_token.encode()):
        return {"error": "application_token does not match"}, 401
    if event.name == "ONAPPUNINSTALL":
        uninstall(portal, clean=str(event.data.get("CLEAN", "0")) == "1")
        return {"ok": True, "done": "uninstalled"}, 200
    if event.name == "ONIMCONNECTORMESSAGEADD":
        return _operator_message(portal, event)
    return {"ok": True, "done": "ignored", "event": event.name}, 200


def _operator_message(portal: Portal, event: B24Event) -> tuple[dict, int]:
    """Journaled before anything else, answered 200: Bitrix24 never redelivers an event, so the
    delivery to Chat2Desk is the app's to retry (CONTRACT §3)."""
    from sqlalchemy.exc import SQLAlchemyError

    from . import journal
    from .events import Journaled
    from .flows import dispatch
    from .i18n import speak_portal_language

    speak_portal_language(portal)
    try:
        row, new = journal.record(portal, Journaled.of(event))
    except SQLAlchemyError:
        db.session.rollback()
        log.error("operator message of portal %s not journaled", portal.id)
        return {"error": "the event could not be journaled"}, 503
    if not new:
        return {"duplicate": True, **journal.answer(row)}, 200
    return dispatch.intake(portal, row, cost=1), 200


def _install_event(event: B24Event, portal: Portal | None) -> tuple[dict, int]:
    """ONAPPINSTALL/ONAPPUPDATE: verified like an install POST; never moves the portal.

    The REST base comes from the trusted app.info only, the OAuth host of a known portal
    stays what it was, a stored application_token must match, and the token must be an
    admin's — so an event cannot redirect the app's calls or hand the install to anyone.
    """
    auth = event.auth
    if portal is not None and portal.application_token:
        if not hmac.compare_digest(
            portal.application_token.encode(), event.application_token.encode()
        ):
            return {"error": "application_token does not match"}, 401
    server = str(auth.get("server_endpoint") or "")
    if portal is not None and portal.server_endpoint:
        server = portal.server_endpoint
    access = str(auth.get("access_token"))
    try:
        info = portals.verify_token(server, access, event.member_id)
        endpoint = portals.client_endpoint_from(info)
        if not _is_admin(endpoint, access):
            raise EntryError(_not_admin_reason())
    except EntryError as exc:
        return {"error": exc.reason}, 401
    portal = portals.upsert_portal(
        event.member_id,
        info=info,
        server_endpoint=server,
        access_token=access,
        refresh_token=auth.get("refresh_token"),
        expires_in=auth.get("expires_in"),
        application_token=event.application_token or None,
        user_id=_int(info.get("user_id")),
        lang=str(event.data.get("LANGUAGE_ID") or "") or None,
    )
    db.session.commit()
    setup(portal)
    return {"ok": True, "done": event.name.lower()}, 200


def uninstall(portal: Portal, *, clean: bool) -> None:
    """Stop all work for the portal and forget its tokens; with CLEAN also its data."""
    connection = portal.connection
    if connection is not None:
        from .connection import drop_webhook

        drop_webhook(connection)
        db.session.delete(connection)
    portal.status = "uninstalled"
    portal.access_token = portal.refresh_token = portal.application_token = None
    portal.pending_refresh_token = None
    portals.verify.forget_verified(portal.member_id)
    portal.bot_id = None
    if clean:
        for model in (Setting, Journal, RemoteRecord, RequestTag):
            db.session.execute(delete(model).where(model.portal_id == portal.id))
    db.session.commit()
    log.info("portal %s uninstalled (clean=%s)", portal.id, clean)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = ["enter", "setup", "handle_event", "uninstall", "Connection"]
