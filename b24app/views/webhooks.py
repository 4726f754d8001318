"""Chat2Desk webhook intake: verify → parse → journal → run now or queue → answer in JSON."""

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from .. import journal
from ..c2d_events import MalformedEvent, parse
from ..connection import find_by_secret
from ..extensions import csrf, db
from ..flows.dispatch import busy, intake, settled
from ..i18n import speak_portal_language
from ..webhook_auth import signature_ok

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.route("/webhooks/chat2desk/<secret>", methods=["POST"])
@csrf.exempt
def chat2desk(secret: str):
    """Journal first; then the flow runs here when the portal's lane is free, else it queues.
    Always 200 once journaled (the app owns the retry); 503 only when it could not be."""
    connection = find_by_secret(secret)
    if connection is None or not connection.portal.active:
        return jsonify(error="unknown webhook address"), 404
    if not signature_ok(connection):
        return jsonify(error="the webhook signature is missing, wrong or too old"), 401
    speak_portal_language(connection.portal)
    try:
        event = parse(request.get_json(silent=True, force=True))
    except MalformedEvent as exc:
        return jsonify(error=f"malformed Chat2Desk event: {exc}"), 400
    final = settled(event)
    try:
        wait = final is None and busy(connection.portal)
        row, new = journal.record(connection.portal, event, final, connection, due_now=wait)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.error("event not journaled: %s", type(exc).__name__)
        return jsonify(error="the event could not be journaled; send it again"), 503
    if not new:
        return jsonify(duplicate=True, **journal.answer(row)), 200
    if final is not None:
        return jsonify(ok=True, journal_id=row.id, status=row.status, decision=row.decision)
    return jsonify(intake(connection.portal, row)), 200
