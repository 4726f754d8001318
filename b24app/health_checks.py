"""Health checks of one portal's installation; each red line says what to do."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import portals
from .clients.bitrix24 import (
    AccessDeniedError,
    AuthError,
    Bitrix24Error,
    OAuthError,
    OperationTimeLimitError,
    RateLimitError,
    TransportError,
)
from .clients.chat2desk import Chat2DeskAuthError, Chat2DeskError, Chat2DeskUnavailableError
from .extensions import db
from .logs import mask_webhook_urls
from .models import Journal, Portal


@dataclass(frozen=True)
class Check:
    """One line of the health page: ok, bad (red, says what to do) or neutral (nothing wrong,
    nothing to show yet — e.g. no events on a fresh install)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    neutral: bool = False
    link: str = ""  # endpoint of the page where the fix is done

    @property
    def state(self) -> str:
        return "neutral" if self.neutral else ("ok" if self.ok else "bad")


EVENT_WORDS = {
    "ONAPPINSTALL": _l("reinstall"),
    "ONAPPUPDATE": _l("update"),
    "ONAPPUNINSTALL": _l("uninstall"),
    "ONIMCONNECTORMESSAGEADD": _l("Open Line replies"),
}


def event_words(names) -> str:
    """Bitrix24 event codes in words (the admin never needs the API names)."""
    return ", ".join(str(EVENT_WORDS.get(name, name)) for name in sorted(names))


def b24_reason(exc: Bitrix24Error) -> str:
    """What went wrong, in words of our own: never the text that came back from the address."""
    if isinstance(exc, TransportError):
        return _("Bitrix24 could not be reached at the portal's address.")
    if isinstance(exc, AuthError | OAuthError):
        return _("Bitrix24 did not accept the app's access token.")
    if isinstance(exc, AccessDeniedError):
        return _("Bitrix24 refused access (permissions or scope).")
    if isinstance(exc, RateLimitError | OperationTimeLimitError):
        return _("Bitrix24 is rate-limiting the app right now.")
    return _("Bitrix24 answered with an error.")


def c2d_reason(exc: Chat2DeskError) -> str:
    """Chat2Desk's failure in our words (its answer text is not repeated)."""
    if isinstance(exc, Chat2DeskAuthError):
        return _("Chat2Desk did not accept the token.")
    if isinstance(exc, Chat2DeskUnavailableError):
        return _("Chat2Desk could not be reached.")
    return _("Chat2Desk answered with an error.")


def run_checks(portal: Portal) -> list[Check]:
    """Bitrix24 (token, events, connector, rate headroom), Chat2Desk webhook, journal."""
    return [*_bitrix_checks(portal), *_chat2desk_checks(portal), *_journal_checks(portal)]


def _bitrix_checks(portal: Portal) -> list[Check]:
    expiry = portal.expires_at.strftime("%Y-%m-%d %H:%M UTC") if portal.expires_at else "—"
    handler = current_app.config["PUBLIC_URL"] + url_for("events.receive")
    try:
        res = portals.client_for(portal).batch({"me": ("profile", {}), "ev": ("event.get", {})})
        res.raise_first()
    except Bitrix24Error as exc:
        return [
            Check(
                _("Bitrix24 token"),
                False,
                b24_reason(exc),
                _("Open the application once from Bitrix24 to renew its access."),
            )
        ]
    bound = {
        str(e.get("event", "")).upper()
        for e in res.result.get("ev") or []
        if e.get("handler") == handler
    }
    missing = sorted(set(portals.EVENTS) - bound)
    checks = [
        Check(_("Bitrix24 token"), True, _("valid; access token expires %(when)s", when=expiry)),
        Check(
            _("Bitrix24 events bound"),
            not missing,
            event_words(set(portals.EVENTS) & bound)
            if not missing
            else _("missing: %(names)s", names=event_words(missing)),
            _("Open the application as an administrator to bind them again."),
        ),
    ]
    from .connector import status

    line = status(portal)
    checks.append(
        Check(
            _("Open Lines connector"),
            line["ok"],
            line["detail"],
            _("Choose the Open Line again on the Common tab and save."),
            neutral=not line["line"],
            link="settings.tab:common",
        )
    )
    checks.append(_headroom(portal))
    return checks


def _headroom(portal: Portal) -> Check:
    """Our leaky bucket's estimate of how many requests the portal can take right now."""
    cfg = current_app.config
    level = max(
        0.0,
        (portal.bucket_level or 0.0)
        - (time.time() - (portal.bucket_at or 0.0)) * float(cfg["B24_RATE"]),
    )
    free = int(cfg["B24_BURST"] - level)
    return Check(
        _("Rate-limit headroom"),
        free > 5,
        _(
            "%(free)s of %(burst)s requests free (%(rate)s/s)",
            free=free,
            burst=cfg["B24_BURST"],
            rate=cfg["B24_RATE"],
        ),
        _("The app is close to Bitrix24's limit; work is queued, nothing is lost."),
    )


def _chat2desk_checks(portal: Portal) -> list[Check]:
    conn = portal.connection
    if conn is None:
        return [
            Check(
                _("Chat2Desk connected"),
                False,
                _("not connected"),
                _("Paste the Chat2Desk API token on the Connection tab."),
                neutral=True,
                link="connection.page",
            )
        ]
    from .connection import client_for

    try:
        hooks = client_for(conn).webhooks() or []
    except Chat2DeskError as exc:
        return [
            Check(
                _("Chat2Desk token"),
                False,
                c2d_reason(exc),
                _("Check the token and the region on the Connection tab."),
                link="connection.page",
            )
        ]
    mine = next((h for h in hooks if h.get("id") == conn.webhook_id), None)
    checks = [Check(_("Chat2Desk token"), True, conn.company_name or conn.api_url)]
    if mine is None:
        return [
            *checks,
            Check(
                _("Chat2Desk webhook"),
                False,
                _("not found in Chat2Desk"),
                _("Register it again with the button on the Connection tab."),
                link="connection.page",
            ),
        ]
    enabled = mine.get("status") != "disable"
    errors = [mask_webhook_urls(str(e.get("text"))) for e in mine.get("errors") or []][-3:]
    checks.append(
        Check(
            _("Chat2Desk webhook"),
            enabled,
            _("enabled") if enabled else _("disabled by Chat2Desk"),
            _("Re-enable it with the button on the Connection tab."),
            link="connection.page",
        )
    )
    checks.append(
        Check(
            _("Webhook delivery errors"),
            not errors,
            "; ".join(errors) or "—",
            _("Chat2Desk could not deliver some events; see the journal."),
            link="journal.page",
        )
    )
    note = portal.connection.webhook_note if portal.connection else ""
    if note:  # what the worker did last time it found the hook disabled
        checks.append(Check(_("Webhook watch"), True, note))
    return checks


def _journal_checks(portal: Portal) -> list[Check]:
    since = datetime.now(UTC) - timedelta(hours=24)
    failed = db.session.execute(
        select(func.count())
        .select_from(Journal)
        .where(
            Journal.portal_id == portal.id, Journal.status == "failed", Journal.created_at >= since
        )
    ).scalar()
    last = db.session.execute(
        select(func.max(Journal.created_at)).where(Journal.portal_id == portal.id)
    ).scalar()
    from .journal import portal_depth

    waiting, oldest = portal_depth(portal.id)
    late = oldest is not None and oldest < datetime.now(UTC) - timedelta(minutes=10)
    return [
        Check(
            _("Queue"),
            not late,
            _(
                "%(count)s event(s) waiting; the oldest since %(when)s",
                count=waiting,
                when=oldest.strftime("%Y-%m-%d %H:%M:%S UTC"),
            )
            if oldest
            else _("nothing waiting"),
            _(
                "Events wait longer than 10 minutes: check that the worker runs "
                "(flask --app b24app worker) and read the journal's retry reasons."
            ),
        ),
        Check(
            _("Last event"),
            last is not None,
            last.strftime("%Y-%m-%d %H:%M:%S UTC") if last else _("no events yet"),
            _("Send a message in Chat2Desk to check that events arrive."),
            neutral=last is None,
        ),
        Check(
            _("Failures in the last 24 h"),
            not failed,
            str(failed),
            _("Open the journal, read the reason and press Retry."),
            link="journal.page",
        ),
    ]
