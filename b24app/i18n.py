"""Languages: the portal's LANG picks the catalog; catalogs compile at start-up when stale."""

import logging
import os
from pathlib import Path

from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, refresh

log = logging.getLogger(__name__)
TRANSLATIONS = Path(__file__).parent / "translations"


def normalise(lang: str | None) -> str:
    """Bitrix24 sends `ru`, `en`, `la` (Spanish), `br` (Brazilian Portuguese), `ua`…"""
    lang = (lang or "").lower()[:2]
    aliases = {"la": "es", "br": "pt", "ua": "ru", "by": "ru", "kz": "ru"}
    lang = aliases.get(lang, lang)
    return lang if lang in current_app.config["LANGUAGES"] else "en"


def select_locale() -> str:
    override = g.get("locale_override")
    if override:
        return override
    frame = getattr(g, "frame", None)
    if frame is not None:
        return normalise(frame.lang)
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return normalise(request.args.get("LANG") or _form_lang())


def _form_lang():
    """LANG of a posted form; none when the body was refused (e.g. over the size limit)."""
    from werkzeug.exceptions import HTTPException

    try:
        return request.form.get("LANG")
    except HTTPException:
        return None


def speak_portal_language(portal) -> str:
    """Background work (webhooks, Bitrix24 events) has no frame: journal decisions and
    notifications use the portal's language. Refreshes Babel's per-context locale cache,
    so the switch holds even if something was translated earlier in this request."""
    g.locale_override = normalise(getattr(portal, "lang", None))
    refresh()
    return g.locale_override


def locale_context() -> dict:
    """`current_locale` for templates (`<html lang>`): the catalog in use for this request."""
    return {"current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])}


def ensure_compiled(app) -> None:
    """Compile each messages.po whose messages.mo is missing or older."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as src:
                catalog = read_po(src, locale=po.parent.parent.name)
            tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")  # workers may start together
            with tmp.open("wb") as dst:
                write_mo(dst, catalog, use_fuzzy=False)
            tmp.replace(mo)
        except OSError as exc:
            app.logger.warning("could not compile %s: %s", po, exc)
