"""The six settings tabs (Common, Tags, Analytics, Additional fields, Operators, CRM)."""

from flask import Blueprint, abort, g, render_template

from .. import settings_store
from .gate import require_frame

bp = Blueprint("settings", __name__)
bp.before_request(require_frame)
TABS = ("common", "tags", "analytics", "fields", "operators", "crm")


@bp.route("/settings/<tab>", methods=["GET", "POST"])
def tab(tab: str):
    """Render one tab (forms come with the settings issue)."""
    if tab not in TABS:
        abort(404)
    data = settings_store.load(g.portal, tab)
    return render_template("settings/placeholder.html", tab=tab, data=data, active=tab)
