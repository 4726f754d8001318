"""Portal UI pages that look like Bitrix24 and frame the app under test."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from . import actions
from .crm_fields import fields_for
from .crm_store import STORES
from .rest import base_url, get_state
from .state import Portal

bp = Blueprint(
    "fake_b24_ui",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/_fake_b24/static",
)
LANGS = ("en", "ru", "es", "pt")
# The BBCode subset Bitrix24 renders in notifications, bot messages and timeline comments.
_BB_TAGS = re.compile(r"\[(/?)(b|i|u|s)\]", re.IGNORECASE)
_BB_URL = re.compile(r"\[url=(https?://[^\]\s]+)\](.*?)\[/url\]", re.IGNORECASE | re.DOTALL)
_BB_BARE_URL = re.compile(r"\[url\](https?://[^\[\s]+)\[/url\]", re.IGNORECASE)


@bp.app_template_filter("bbcode")
def bbcode(text) -> Markup:
    """Escape the text, then turn [b], [i], [u], [s], [br] and [url] into HTML as Bitrix24 does."""
    html = str(escape(text or ""))
    html = _BB_TAGS.sub(lambda m: f"<{m.group(1)}{m.group(2).lower()}>", html)
    html = re.sub(r"\[br\]", "<br>", html, flags=re.IGNORECASE)
    html = _BB_URL.sub(r'<a href="\1" target="_blank" rel="noopener">\2</a>', html)
    html = _BB_BARE_URL.sub(r'<a href="\1" target="_blank" rel="noopener">\1</a>', html)
    return Markup(html)  # noqa: S704 -- built from escape()d text above


def _portal(name: str) -> Portal:
    """Portal by name; an old name redirects to the new one."""
    portal, moved = get_state().find(name)
    if portal is None:
        abort(404)
    if moved:
        abort(redirect(request.path.replace(f"/p/{name}/", f"/p/{portal.name}/", 1)))
    return portal


def _page(template: str, portal: Portal, section: str, **ctx):
    """Render a portal page with the common header context."""
    user = portal.users.get(portal.ui_user_id, {})
    return render_template(
        f"fake_b24/{template}",
        portal=portal,
        section=section,
        user=user,
        langs=LANGS,
        lang=portal.ui_lang or portal.lang,
        **ctx,
    )


@bp.get("/")
def index():
    """All portals with links."""
    state = get_state()
    return render_template("fake_b24/index.html", portals=list(state.portals.values()))


@bp.post("/_ui/portals")
def create():
    """Create a portal from the index form."""
    name = request.form.get("name", "").strip() or "demo"
    get_state().create_portal(name, mode=int(request.form.get("mode") or 1))
    return redirect(url_for(".portal_page", name=name))


@bp.get("/p/<name>/")
def portal_page(name: str):
    """The Apps page: install button, installer frame or the app frame."""
    portal, state = _portal(name), get_state()
    installing = request.args.get("install") == "1" and not portal.installed
    frame = None
    if installing or portal.installed:
        with state.lock:
            if installing:
                portal.removed = False
            payload = actions.entry_payload(
                state, portal, base_url(), portal.ui_user_id, lang=portal.ui_lang or None
            )
        path = "/install" if installing else "/"
        q = payload["query"]
        frame = {
            "name": f"{q['DOMAIN']}|{q['PROTOCOL']}|{q['APP_SID']}",
            "form": payload["form"],
            "action": f"{state.app_url}{path}?{urlencode(q)}",
        }
    return _page("portal.html", portal, "apps", frame=frame, installing=installing)


@bp.post("/p/<name>/_ui/switch")
def switch(name: str):
    """Change the acting user and the UI language."""
    portal = _portal(name)
    if request.form.get("user_id", "").isdigit():
        portal.ui_user_id = int(request.form["user_id"])
    if request.form.get("lang") in LANGS:
        portal.ui_lang = request.form["lang"]
    return redirect(request.form.get("next") or url_for(".portal_page", name=portal.name))


@bp.post("/p/<name>/_ui/install_finish")
def install_finish(name: str):
    """BX24.installFinish() from the installer frame; then ONAPPINSTALL is sent."""
    portal = _portal(name)
    portal.installed, portal.removed = True, False
    done = actions.install_event(get_state(), portal, base_url())
    return jsonify({"installed": True, "deliveries": len(done)})


@bp.post("/p/<name>/_ui/uninstall")
def uninstall(name: str):
    """Remove the app (fires ONAPPUNINSTALL)."""
    portal = _portal(name)
    actions.uninstall(get_state(), portal, base_url(), request.form.get("clean", "0"))
    return redirect(url_for(".portal_page", name=portal.name))


@bp.get("/p/<name>/crm/")
def crm(name: str):
    """Deals, leads and contacts."""
    portal = _portal(name)
    leads = {k: v for k, v in portal.leads.items() if k not in portal.converted_leads}
    return _page(
        "crm.html", portal, "crm", deals=portal.deals, leads=leads, contacts=portal.contacts
    )


@bp.get("/p/<name>/crm/<kind>/details/<int:eid>/")
def entity(name: str, kind: str, eid: int):
    """One CRM entity with its fields and timeline."""
    portal = _portal(name)
    if kind not in STORES:
        abort(404)
    rec = getattr(portal, STORES[kind]).get(eid)
    if rec is None:
        abort(404)
    comments = [c for c in portal.comments if c["ENTITY_TYPE"] == kind and c["ENTITY_ID"] == eid]
    tabs = _detail_tabs(portal, kind) if portal.installed else []
    chosen = request.args.get("tab", "")
    frame = (
        _tab_frame(portal, kind, eid, tabs[int(chosen)])
        if chosen.isdigit() and int(chosen) < len(tabs)
        else None
    )
    return _page(
        "entity.html",
        portal,
        "crm",
        kind=kind,
        rec=rec,
        comments=comments,
        fields=fields_for(kind),
        tabs=tabs,
        chosen=chosen,
        frame=frame,
    )


def _detail_tabs(portal: Portal, kind: str) -> list[dict]:
    """Placements bound to this card's tab row (widgets/crm/detail-tab.md)."""
    code = f"CRM_{kind.upper()}_DETAIL_TAB"
    return [p for p in portal.placements if p["placement"] == code]


def _tab_frame(portal: Portal, kind: str, eid: int, placement: dict) -> dict:
    """The POST Bitrix24 sends to a tab's handler: the entry payload with PLACEMENT and
    PLACEMENT_OPTIONS {"ID", "URI"} (widgets/crm/detail-tab.md, "What the Handler Receives")."""
    uri = f"/crm/{kind}/details/{eid}/?IFRAME=Y&IFRAME_TYPE=SIDE_SLIDER"
    return _placement_frame(portal, placement, {"ID": str(eid), "URI": uri})


@bp.get("/p/<name>/marketplace/view/<code>/")
def app_uri(name: str, code: str):
    """A link to the app placed in content opens its REST_APP_URI handler in a slider; the
    link's `params[...]` and the page's `URI` arrive in PLACEMENT_OPTIONS, with the clicking
    user's entry (widgets/universal/app-url.md, "What the Handler Receives")."""
    portal, state = _portal(name), get_state()
    bound = [p for p in portal.placements if p["placement"] == "REST_APP_URI"]
    if code != state.client_id or not bound or not portal.installed:
        abort(404)  # app-url.md: the widget exists only once the installation is complete
    options = {
        key[len("params[") : -1]: value
        for key, value in request.args.items()
        if key.startswith("params[") and key.endswith("]")
    }
    options["URI"] = f"/p/{name}/"
    frame = _placement_frame(portal, bound[0], options)
    return _page("portal.html", portal, "apps", frame=frame, installing=False)


def _placement_frame(portal: Portal, placement: dict, options: dict) -> dict:
    """The POST Bitrix24 sends to a placement's handler: the entry payload with PLACEMENT and
    its PLACEMENT_OPTIONS."""
    state = get_state()
    with state.lock:
        payload = actions.entry_payload(
            state,
            portal,
            base_url(),
            portal.ui_user_id,
            placement=placement["placement"],
            options=options,
            lang=portal.ui_lang or None,
        )
    q = payload["query"]
    handler = placement["handler"]
    joiner = "&" if "?" in handler else "?"
    return {
        "name": f"{q['DOMAIN']}|{q['PROTOCOL']}|{q['APP_SID']}",
        "form": payload["form"],
        "action": f"{handler}{joiner}{urlencode(q)}",
    }


@bp.get("/p/<name>/notifications")
def notifications(name: str):
    """Notifications and bot messages, the acting user's first."""
    portal = _portal(name)
    return _page(
        "notifications.html",
        portal,
        "notifications",
        items=list(reversed(portal.notifications)),
        bot_messages=list(reversed(portal.bot_messages)),
    )


@bp.get("/p/<name>/openlines")
def openlines(name: str):
    """Chats relayed through the connector, with an operator reply form."""
    portal = _portal(name)
    return _page(
        "openlines.html",
        portal,
        "openlines",
        chats=list(portal.chats.values()),
        lines=portal.connector_lines,
    )


@bp.post("/p/<name>/openlines/answer")
def answer(name: str):
    """Operator reply: stored and sent as ONIMCONNECTORMESSAGEADD."""
    portal = _portal(name)
    text = request.form.get("text", "").strip()
    if text:
        try:
            actions.operator_reply(
                get_state(), portal, base_url(), request.form["chat"], portal.ui_user_id, text
            )
        except KeyError:
            abort(404)
    return redirect(url_for(".openlines", name=portal.name) + "#chat-" + request.form["chat"])


@bp.get("/p/<name>/events")
def events(name: str):
    """Bound handlers and recent deliveries."""
    portal = _portal(name)
    return _page(
        "events.html",
        portal,
        "events",
        bound=portal.events,
        deliveries=list(reversed(portal.deliveries[-50:])),
    )


@bp.get("/p/<name>/users")
def users(name: str):
    """Portal employees."""
    portal = _portal(name)
    return _page("users.html", portal, "users", users=list(portal.users.values()))
