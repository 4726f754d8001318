"""The connection tab: paste the Chat2Desk token, check it, register our webhook."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from .. import connection as service
from ..clients.chat2desk import (
    REGIONS,
    Chat2DeskAuthError,
    Chat2DeskError,
    Chat2DeskUnavailableError,
)
from ..forms.connection import ConnectionForm
from ..frame import frame_url
from ..logs import mask_webhook_urls
from .gate import require_frame

bp = Blueprint("connection", __name__)
bp.before_request(require_frame)


def region_choices() -> list[tuple[str, str]]:
    first = current_app.config["CHAT2DESK_API_URL"]
    rest = [(url, label) for url, label in REGIONS if url != first]
    label = dict(REGIONS).get(first)
    if label is None:
        label = (
            _("Sandbox Chat2Desk (%(url)s)", url=first)
            if current_app.config["B24APP_SANDBOX"]
            else first
        )
    # A dedicated installation's host (CHAT2DESK_DEDICATED_URLS, https only): the token check
    # with /companies/api_info decides, through the session that refuses non-public addresses.
    dedicated = [
        (url, _("Dedicated: %(host)s", host=urlsplit(url).netloc))
        for url in current_app.config["CHAT2DESK_DEDICATED_URLS"]
        if url != first and url not in dict(rest)
    ]
    return [(first, label), *rest, *dedicated]


@bp.route("/settings/connection", methods=["GET", "POST"])
def page():
    """GET shows the state; POST checks the token with Chat2Desk before storing anything."""
    current = g.portal.connection
    form = ConnectionForm()
    form.api_url.choices = region_choices()
    if current and not form.is_submitted():
        form.api_url.data = current.api_url
    if form.validate_on_submit():
        try:
            info = service.check_token(form.api_token.data.strip(), form.api_url.data)
        except Chat2DeskAuthError:
            form.api_token.errors.append(
                _(
                    "Chat2Desk did not accept this token. Copy it again "
                    "from Settings → API in Chat2Desk."
                )
            )
        except Chat2DeskUnavailableError:
            form.api_url.errors.append(
                _(
                    "Chat2Desk did not answer at %(url)s. Check the region: the account lives "
                    "in one of them only. Nothing was saved.",
                    url=form.api_url.data,
                )
            )
        except Chat2DeskError as exc:
            form.api_token.errors.append(
                _(
                    "Chat2Desk could not be reached to check the token "
                    "(%(why)s). Nothing was saved.",
                    why=mask_webhook_urls(str(exc)),
                )
            )
        else:
            _conn, message = service.connect(
                g.portal, form.api_token.data.strip(), form.api_url.data, info
            )
            flash(_("Connected to Chat2Desk.") + " " + message, "success")
            return redirect(frame_url("connection.page"))
    return render_template(
        "settings/connection.html",
        form=form,
        connection=current,
        webhook=service.webhook_state(current) if current else None,
        active="connection",
    )


@bp.route("/settings/connection/rotate", methods=["POST"])
def rotate():
    """Give the webhook a new secret address (the old one stops working at once)."""
    if g.portal.connection is None:
        flash(_("Connect Chat2Desk first."), "error")
    else:
        flash(
            _("The webhook address was changed.")
            + " "
            + service.rotate_secret(g.portal.connection),
            "success",
        )
    return redirect(frame_url("connection.page"))


@bp.route("/settings/connection/revoke-links", methods=["POST"])
def revoke_links():
    """A new link secret: every dialog link handed out so far stops working at once."""
    service.rotate_link_secret(g.portal)
    flash(
        _("Every dialog link sent so far was revoked; new notifications carry new links."),
        "success",
    )
    return redirect(frame_url("connection.page"))


@bp.route("/settings/connection/webhook", methods=["POST"])
def webhook():
    """Register or re-enable our webhook at Chat2Desk (after Chat2Desk disabled it)."""
    if g.portal.connection is None:
        flash(_("Connect Chat2Desk first."), "error")
    else:
        flash(service.ensure_webhook(g.portal.connection), "success")
    return redirect(frame_url("connection.page"))


@bp.route("/settings/connection/disconnect", methods=["POST"])
def disconnect():
    """Asks first; then removes our webhook from Chat2Desk and forgets the token."""
    if request.form.get("confirm") != "1":
        return render_template(
            "settings/disconnect.html", form=FlaskForm(), connection=g.portal.connection
        )
    service.disconnect(g.portal)
    flash(_("Chat2Desk was disconnected and its webhook removed."), "success")
    return redirect(frame_url("connection.page"))
