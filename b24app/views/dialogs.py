"""The dialog inside Bitrix24: transcript, client card, linked CRM entities, reply box."""

import hashlib
import hmac
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from .. import frame, keys, links
from ..clients.chat2desk import Chat2DeskError, Chat2DeskNotFoundError
from ..extensions import csrf, db
from ..flows import dialog_page
from ..flows.dispatch import context_for
from ..forms.reply import ReplyForm
from ..models import Portal
from .gate import frame_or_401

bp = Blueprint("dialogs", __name__)


@dataclass(frozen=True)
class Access:
    """Who opened the page: a frame session, or a signed dialog link (`key`)."""

    portal: Portal
    user_id: int
    admin: bool
    key: str | None = None


def _portal(member_id: str) -> Portal:
    portal = db.session.execute(
        select(Portal).filter_by(member_id=member_id, status="active")
    ).scalar_one_or_none()
    if portal is None:
        abort(403, _("This Bitrix24 portal has no active installation of the application."))
    g.portal = portal
    return portal


def _is_admin(portal: Portal, user_id: int) -> bool:
    """CONTRACT §8: the installer and every admin who has opened the app."""
    return bool(user_id) and user_id in {portal.installer_user_id, *(portal.admin_user_ids or [])}


def _enter(dialog_id: str) -> Access:
    """A frame token `t` or a signed link `k` for this very dialog; else 401/403."""
    if not dialog_id.isdigit() or len(dialog_id) > 20:
        abort(404)
    token = frame.request_token()
    if token:
        current = frame_or_401(token)
        g.frame, g.frame_token = current, token
        return Access(_portal(current.member_id), current.user_id, current.admin)
    key = request.args.get("k") or request.form.get("k")
    if not key:
        abort(401, _("Open this dialog from Bitrix24 or from a dialog link."))
    found = links.read_dialog_key(key, dialog_id)
    if found is None:
        abort(403, _("This dialog link is not valid for this dialog or has expired."))
    portal, user_id = found
    g.portal = portal
    return Access(portal, user_id, _is_admin(portal, user_id), key)


def _link_csrf(key: str) -> str:
    """The reply form's CSRF value when the page was opened by a signed link."""
    secret = keys.key_for("forms")
    return hmac.new(secret, b"b24app.dialog-form:" + key.encode(), hashlib.sha256).hexdigest()


def _check_csrf(access: Access) -> None:
    sent = request.form.get("csrf_token", "")
    if access.key is not None:
        ok = hmac.compare_digest(sent.encode(), _link_csrf(access.key).encode())
    else:
        try:
            validate_csrf(sent)
            ok = True
        except ValidationError:
            ok = False
    if not ok:
        abort(
            400,
            _("The form expired or was not sent from this page. Reload the page and try again."),
        )


def _here(dialog_id: str, access: Access, **extra) -> str:
    params = {"k": access.key} if access.key else {"t": g.frame_token}
    return url_for("dialogs.dialog", dialog_id=dialog_id, **params, **extra)


def _load(ctx, dialog_id: str, access: Access) -> dialog_page.DialogPage:
    """The page's facts for someone CONTRACT §3 lets see them; another account's: not found."""
    if ctx.portal.connection is None:
        abort(404, _("Chat2Desk is not connected to this Bitrix24 portal."))

    def allow(dialog: dict) -> bool:
        return dialog_page.may_see(ctx, dialog, access.user_id, access.admin)

    try:
        return dialog_page.load(ctx, dialog_id, allow)
    except dialog_page.NotAllowed:
        abort(
            403,
            _(
                "Only Bitrix24 administrators, the user of the dialog's operator and the users "
                "of Chat2Desk supervisors can see this dialog."
            ),
        )
    except Chat2DeskNotFoundError:
        abort(404, _("This dialog was not found in the Chat2Desk account of this portal."))
    except Chat2DeskError as exc:
        abort(502, _("Chat2Desk did not answer (%(why)s). Try again in a minute.", why=str(exc)))


def _send(ctx, page, text: str) -> bool:
    try:
        dialog_page.reply(ctx, page, text)
    except Chat2DeskError as exc:
        flash(_("Chat2Desk did not send the message (%(why)s).", why=str(exc)), "error")
        return False
    flash(_("The message was sent to the client."), "success")
    return True


def _link_flash() -> None:
    """A signed link has no session to carry the flash across the redirect: the URL does."""
    if request.args.get("sent") == "1":
        flash(_("The message was sent to the client."), "success")
    elif request.args.get("sent") == "0":
        flash(_("Chat2Desk did not send the message. Try again in a minute."), "error")


@bp.route("/dialogs/<dialog_id>", methods=["GET", "POST"])
@csrf.exempt  # checked in _check_csrf: Flask-WTF's token, or one derived from the link
def dialog(dialog_id: str):
    """Show the dialog; POST sends the reply box through Chat2Desk and comes back (PRG)."""
    access = _enter(dialog_id)
    ctx = context_for(access.portal)
    page = _load(ctx, dialog_id, access)
    form = ReplyForm(meta={"csrf": False})
    if request.method == "POST":
        _check_csrf(access)
        if form.validate():
            sent = _send(ctx, page, form.text.data.strip())
            extra = {"sent": int(sent)} if access.key else {}
            return redirect(_here(dialog_id, access, **extra))
    elif access.key:
        _link_flash()
    token = _link_csrf(access.key) if access.key else generate_csrf()
    return render_template(
        "dialogs/dialog.html",
        page=page,
        form=form,
        access=access,
        csrf_value=token,
        dialog_id=dialog_id,
    )


@bp.route("/dialogs/open", methods=["POST"])
@csrf.exempt  # a Bitrix24 entry, verified with app.info like `/`
def open_link():
    """REST_APP_URI: a dialog link followed inside the portal, by the user it was made for."""
    from .. import lifecycle
    from ..events import Entry
    from ..portals import EntryError

    entry = Entry.from_request(request.args, request.form)
    try:
        portal, token = lifecycle.enter(entry)
    except EntryError as exc:
        return render_template("install/refused.html", reason=exc.reason), exc.status
    options = entry.placement_options
    dialog_id, key = str(options.get("dialog") or ""), str(options.get("k") or "")
    found = links.read_dialog_key(key, dialog_id) if dialog_id.isdigit() else None
    viewer = frame.read(token)
    if found is None or found[0].id != portal.id or found[1] != viewer.user_id:
        abort(
            403,
            _("This dialog link was made for another Bitrix24 user, has expired or was revoked."),
        )
    return redirect(url_for("dialogs.dialog", dialog_id=dialog_id, t=token))
