"""The journal page (what happened to each event and why) and the retry button."""

from flask import Blueprint, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import journal as service
from ..extensions import db
from ..frame import frame_url
from ..models import Journal
from .gate import require_frame

bp = Blueprint("journal", __name__)
bp.before_request(require_frame)
PAGE = 50


@bp.route("/settings/journal")
def page():
    """Newest first, optionally only one status or one dialog."""
    query = select(Journal).filter_by(portal_id=g.portal.id)
    status = request.args.get("status", "")
    dialog = request.args.get("dialog", "").strip()
    if status:
        query = query.filter_by(status=status)
    if dialog:
        query = query.filter_by(dialog_id=dialog)
    rows = db.session.execute(query.order_by(Journal.id.desc()).limit(PAGE)).scalars().all()
    return render_template(
        "settings/journal.html",
        rows=rows,
        form=FlaskForm(),
        status=status,
        dialog=dialog,
        active="journal",
    )


@bp.route("/settings/journal/<int:row_id>/retry", methods=["POST"])
def retry(row_id: int):
    """Run one failed event again; exactly-once holds because the flow checks its records."""
    form = FlaskForm()
    row = db.session.execute(
        select(Journal).filter_by(id=row_id, portal_id=g.portal.id)
    ).scalar_one_or_none()
    if row is None or not form.validate_on_submit():
        flash(_("This event cannot be retried."), "error")
    elif row.status != "failed":
        flash(_("This event is not failed; nothing to retry."), "warning")
    else:
        _status, body = service.retry(row)
        flash(_("Retried: %(status)s.", status=body.get("status")), "success")
    return redirect(frame_url("journal.page"))


@bp.route("/settings/health")
def health():
    """Health checks of this portal's installation (see health.py)."""
    from ..health_checks import run_checks

    return render_template("settings/health.html", checks=run_checks(g.portal), active="health")
