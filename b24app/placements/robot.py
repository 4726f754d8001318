"""`POST /bitrix/robots/send_message`: the `c2d_send_message` robot (thin view over the flow)."""

import hmac

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import journal
from ..c2d_events import parse
from ..extensions import csrf, db
from ..flows.dispatch import intake
from ..i18n import speak_portal_language
from ..models import Portal
from . import robot_call

bp = Blueprint("robots", __name__)


@bp.route("/bitrix/robots/send_message", methods=["POST"])
@csrf.exempt
def send_message():
    """Verify like events, journal the call first, run it; bizproc.event.send answers it."""
    auth, payload = robot_call.parse(request.form.items(multi=True))
    portal = db.session.execute(
        select(Portal).filter_by(member_id=str(auth.get("member_id") or ""), status="active")
    ).scalar_one_or_none()
    sent = str(auth.get("application_token") or "").encode()
    if portal is None or not portal.application_token:
        return jsonify(error="unknown portal"), 401
    if not hmac.compare_digest(portal.application_token.encode(), sent):
        return jsonify(error="application_token does not match"), 401
    if not payload["event_token"]:
        return jsonify(error="no event_token in the robot call"), 400
    speak_portal_language(portal)
    event = parse(payload)
    try:
        row, new = journal.record(portal, event)
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(error="the robot call could not be journaled"), 503
    if not new:
        return jsonify(duplicate=True, **journal.answer(row)), 200
    return jsonify(intake(portal, row)), 200
