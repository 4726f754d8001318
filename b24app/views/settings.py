"""The six settings tabs (Common, Tags, Analytics, Additional fields, Operators, CRM)."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _

from .. import choices, tabs
from ..extensions import db
from ..forms.settings import RefreshForm
from ..frame import frame_url
from ..tabs.pages import SPECS
from .gate import require_frame

bp = Blueprint("settings", __name__)
bp.before_request(require_frame)
TABS = tuple(SPECS)


@bp.route("/settings/<tab>", methods=["GET", "POST"])
def tab(tab: str):
    """GET renders the tab from live lists; POST validates, saves and redirects (PRG)."""
    if tab not in SPECS:
        abort(404)
    page = tabs.build(tab, g.portal)
    if request.method == "POST" and page.form is not None:
        message = tabs.submit(tab, page, request.form.keys())
        if message:
            db.session.commit()
            flash(message, "success")
            return redirect(frame_url("settings.tab", tab=tab))
    return render_template(
        "settings/tab.html", page=page, tab=tab, active=tab, refresh_form=RefreshForm()
    )


@bp.route("/settings/<tab>/refresh", methods=["POST"])
def refresh(tab: str):
    """ "Refresh lists": drop the cached choices of this portal and show the tab again."""
    if tab not in SPECS:
        abort(404)
    if RefreshForm().validate_on_submit():
        choices.invalidate(g.portal)
        flash(_("The lists were loaded again from Bitrix24 and Chat2Desk."), "success")
    return redirect(frame_url("settings.tab", tab=tab))
