"""`/crm/tab`: the Chat2Desk tab in lead, deal and contact cards (thin view over the flows)."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _

from ..clients.bitrix24 import Bitrix24Error
from ..clients.c2d_errors import Chat2DeskError
from ..events import Entry
from ..extensions import csrf
from ..flows import crm_actions, crm_tab
from ..flows.dispatch import context_for
from ..frame import frame_url
from ..portals import EntryError
from . import tab_choices, tab_entry

bp = Blueprint("crm_tab", __name__)


@bp.route("/crm/tab", methods=["GET", "POST"])
@csrf.exempt  # the entry POST comes from Bitrix24; each action form is checked by its FlaskForm
def tab():
    """Entry POST → redirect to the tab (PRG); an action POST runs one form; GET shows the tab."""
    if request.method == "POST" and not request.form.get("t"):
        try:
            token, _entity = tab_entry.enter(Entry.from_request(request.args, request.form))
        except EntryError as exc:
            return render_template("install/refused.html", reason=exc.reason), exc.status
        return redirect(frame_url("crm_tab.tab", t=token))
    portal, kind, entity_id = tab_entry.current()
    ctx = context_for(portal)
    view, problem = _load(ctx, kind, entity_id)
    allowed = view is not None and crm_tab.may_use(ctx, view.entity, g.frame.user_id, g.frame.admin)
    if request.method == "POST" and allowed:
        return _act(ctx, view)
    forms = tab_choices.forms_for(ctx, view) if allowed else {}
    status = 403 if view is not None and not allowed else 200
    page = render_template(
        "placements/crm_tab.html", view=view, allowed=allowed, problem=problem, forms=forms
    )
    return page, status


def _load(ctx, kind: str, entity_id: int):
    """The tab's facts, or a problem in words (never a 500)."""
    if ctx.portal.connection is None:
        return None, _("Chat2Desk is not connected yet: an administrator connects it in the app.")
    try:
        entity = crm_tab.load_entity(ctx, kind, entity_id)
        if entity is None:
            return None, _("Bitrix24 did not find this record.")
        return crm_tab.load(ctx, entity), None
    except Bitrix24Error as exc:
        return None, _("Bitrix24 did not answer (%(why)s). Try again in a minute.", why=exc.code)
    except Chat2DeskError as exc:
        return None, _("Chat2Desk did not answer (%(why)s). Try again in a minute.", why=str(exc))


def _act(ctx, view):
    """Validate the posted action's form, run it, say what happened, come back (PRG)."""
    action = request.form.get("action", "")
    forms = tab_choices.forms_for(ctx, view, formdata=request.form)
    form = forms.get(action)
    if form is not None and not form.validate() and form.errors.get("csrf_token"):
        abort(
            400, _("The form expired or was not sent from this page. Reload the tab and try again.")
        )
    if form is None or form.errors:
        flash(_first_error(form), "error")
        return redirect(frame_url("crm_tab.tab"))
    try:
        done = crm_actions.act(ctx, view, action, form.data, g.frame.user_id)
    except Chat2DeskError as exc:
        done = crm_actions.Done(False, _("Chat2Desk refused it (%(why)s).", why=str(exc)))
    flash(done.message, "success" if done.ok else "error")
    return redirect(frame_url("crm_tab.tab"))


def _first_error(form) -> str:
    if form is None:
        return _("Unknown action; nothing was done.")
    for name, errors in form.errors.items():
        if errors:
            label = getattr(form[name].label, "text", name) if name in form else name
            return f"{label}: {errors[0]}"
    return _("The form was not valid; nothing was done.")
