"""The journal page (what happened to each event and why) and the retry button."""

from flask import Blueprint, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import journal as service
from .. import journal_words
from ..clients.bitrix24 import Bitrix24Error
from ..clients.chat2desk import Chat2DeskError, Chat2DeskNotFoundError
from ..extensions import db
from ..frame import frame_url
from ..models import Journal
from .gate import require_admin

bp = Blueprint("journal", __name__)
bp.before_request(require_admin)
PAGE = 50


@bp.route("/settings/journal")
def page():
    """Newest first, optionally only one status or one dialog."""
    service.prune_due()
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
        filtered=bool(status or dialog),
        active="journal",
    )


@bp.route("/settings/journal/<int:row_id>/retry", methods=["POST"])
def retry(row_id: int):
    """Run one failed or waiting event now; exactly-once holds because the flow checks its
    records and only the holder of the portal's lane runs it."""
    form = FlaskForm()
    row = db.session.execute(
        select(Journal).filter_by(id=row_id, portal_id=g.portal.id)
    ).scalar_one_or_none()
    if row is None or not form.validate_on_submit():
        flash(_("This event cannot be retried."), "error")
    elif row.status not in ("failed", "retrying", "queued"):
        flash(_("This event is not failed or waiting; nothing to retry."), "warning")
    else:
        _status, body = service.retry(row)
        flash(_("Retried: %(status)s.", status=status_label(body.get("status"))), "success")
    return redirect(frame_url("journal.page"))


def status_label(status) -> str:
    """A journal status in words (the same labels as the journal page)."""
    return journal_words.status_label(status)


@bp.route("/settings/journal/preview")
def preview():
    """What closing a dialog would write (entity, fields, responsible, contact); writes nothing."""
    dialog = request.args.get("dialog", "").strip()
    result, error = None, ""
    if not dialog.isdigit():
        error = _("Enter the number of a Chat2Desk dialog.")
    elif g.portal.connection is None:
        error = _("Connect Chat2Desk first.")
    else:
        result, error = _preview(dialog)
    return render_template(
        "settings/preview.html", dialog=dialog, result=result, error=error, active="journal"
    )


def _preview(dialog: str) -> tuple[dict | None, str]:
    from ..flows import dialog_close
    from ..flows.dispatch import context_for
    from ..flows.preview_words import named

    ctx = context_for(g.portal)
    try:
        return named(ctx, dialog_close.preview(ctx, dialog)), ""
    except Chat2DeskNotFoundError:
        return None, _("Chat2Desk does not know dialog %(id)s.", id=dialog)
    except (Chat2DeskError, Bitrix24Error) as exc:
        return None, _("The preview could not be made: %(why)s", why=service.describe(exc))


@bp.route("/settings/health")
def health():
    """Health checks of this portal's installation (see health.py)."""
    from ..health_checks import run_checks

    return render_template("settings/health.html", checks=run_checks(g.portal), active="health")
