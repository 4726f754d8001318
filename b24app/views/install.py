"""Bitrix24 entry points: the installer page and the app page inside the portal."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import lifecycle
from ..events import Entry
from ..extensions import csrf
from ..portals import EntryError

bp = Blueprint("install", __name__)


@bp.route("/install", methods=["POST"])
@csrf.exempt
def install():
    """Installer URL: verify, store, bind events, then BX24.installFinish() in the browser."""
    entry = Entry.from_request(request.args, request.form)
    try:
        portal, token = lifecycle.enter(entry, installing=True)
    except EntryError as exc:
        return render_template("install/refused.html", reason=exc.reason), exc.status
    return render_template("install/finish.html", portal=portal, token=token)


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt
def index():
    """Application URL: verify the entry, then show the settings with a fresh frame token."""
    entry = Entry.from_request(request.args, request.form)
    if not entry.present:
        return render_template("install/landing.html")
    try:
        portal, token = lifecycle.enter(entry)
    except EntryError as exc:
        return render_template("install/refused.html", reason=exc.reason), exc.status
    if entry.placement == "SETTING_CONNECTOR":
        return contact_center(portal, entry, token)
    tab = "common" if portal.connection is not None else "connection"
    return redirect(url_for("settings.tab", tab=tab, t=token))


def contact_center(portal, entry: Entry, token: str):
    """The Contact Center tile of our connector: connect the chosen Open Line (admins only)."""
    from .. import connector, frame

    if not frame.read(token).admin:
        ok, message = False, _("Only Bitrix24 administrators can connect an Open Line.")
    else:
        ok, message = connector.connect_from_contact_center(portal, entry.placement_options)
    return render_template("install/contact_center.html", ok=ok, message=message, token=token)
