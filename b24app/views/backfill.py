"""The backfill page: a day, a dry run listing what would be written, a start button, and
progress that refreshes itself while the run goes on (CONTRACT §3)."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request
from flask_babel import gettext as _

from .. import backfill as service
from .. import backfill_runs as runs
from ..clients.bitrix24 import Bitrix24Error
from ..clients.chat2desk import Chat2DeskError
from ..forms.backfill import BackfillForm
from ..frame import frame_url
from ..journal import describe
from .gate import require_admin

bp = Blueprint("backfill", __name__)
bp.before_request(require_admin)


@bp.route("/settings/backfill", methods=["GET", "POST"])
def page():
    form, report, error = BackfillForm(), None, ""
    if not form.is_submitted():
        form.since.data = datetime.now(UTC).date() - timedelta(days=30)
    if g.portal.connection is None:
        error = _("Connect Chat2Desk first.")
    elif form.validate_on_submit():
        if request.form.get("action") == "start":
            started = runs.start(g.portal, form.since.data)
            flash(
                _("Backfill started.") if started else _("A backfill is running already."),
                "success" if started else "warning",
            )
            return redirect(frame_url("backfill.page"))
        report, error = _dry_run(form.since.data)
    state = runs.current(g.portal)
    return render_template(
        "settings/backfill.html",
        form=form,
        report=report,
        error=error,
        run=state,
        busy=runs.busy(state),
        active="backfill",
    )


def _dry_run(since) -> tuple[service.Report | None, str]:
    from ..flows.dispatch import context_for

    ctx = context_for(g.portal)
    try:
        return service.dry_run(ctx, service.candidates(ctx, since)), ""
    except (Chat2DeskError, Bitrix24Error) as exc:
        return None, _("The dry run could not be made: %(why)s", why=describe(exc))
