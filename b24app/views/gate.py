"""The frame gate: every settings page needs a valid frame token for an active portal."""

from flask import abort, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import frame
from ..extensions import db
from ..models import Portal


def frame_or_401(token: str | None) -> frame.Frame:
    """The frame the token stands for; a readable 401 when it is tampered with or expired."""
    current = frame.read(token)
    if current is None:
        abort(
            401,
            _(
                "This page's session has expired or is not valid. "
                "Open the application again from Bitrix24."
            ),
        )
    return current


def load_frame() -> tuple[frame.Frame, Portal]:
    """Set g.frame, g.frame_token and g.portal from the request's token, or refuse in words."""
    token = frame.request_token()
    current = frame_or_401(token)
    portal = db.session.execute(
        select(Portal).filter_by(member_id=current.member_id, status="active")
    ).scalar_one_or_none()
    if portal is None:
        abort(403, _("This Bitrix24 portal has no active installation of the application."))
    g.frame, g.frame_token, g.portal = current, token, portal
    return current, portal


def require_frame():
    """Load g.frame and g.portal from the token; refuse writes from non-admins."""
    current, _portal = load_frame()
    if request.method == "POST" and not current.admin:
        abort(403, _("Only Bitrix24 administrators can change these settings."))


def require_admin():
    """The frame gate, and admins only: these pages show transcripts, errors and addresses."""
    require_frame()
    if not g.frame.admin:
        abort(
            403,
            _(
                "Only Bitrix24 administrators can see the journal, the health checks and "
                "previews: they show transcripts, errors and addresses."
            ),
        )
