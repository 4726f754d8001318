"""Chat2Desk webhook intake: verify → parse → journal → dispatch → answer in JSON."""

from flask import Blueprint, jsonify, request

from .. import journal
from ..c2d_events import MalformedEvent, parse
from ..connection import find_by_secret
from ..extensions import csrf
from ..flows.dispatch import settled
from ..i18n import speak_portal_language

bp = Blueprint("webhooks", __name__)


@bp.route("/webhooks/chat2desk/<secret>", methods=["POST"])
@csrf.exempt
def chat2desk(secret: str):
    """Journal first, then run the flow; 503 only for transient remote failures."""
    connection = find_by_secret(secret)
    if connection is None or not connection.portal.active:
        return jsonify(error="unknown webhook address"), 404
    speak_portal_language(connection.portal)
    try:
        event = parse(request.get_json(silent=True, force=True))
    except MalformedEvent as exc:
        return jsonify(error=f"malformed Chat2Desk event: {exc}"), 400
    final = settled(event)
    row, ours = journal.record(connection.portal, event, final, connection)
    if not ours:
        return jsonify(ok=True, duplicate=True, journal_id=row.id, status=row.status), 200
    if final is not None:
        return jsonify(ok=True, journal_id=row.id, status=row.status, decision=row.decision)
    status, body = journal.execute(connection.portal, row, event)
    return jsonify(body), status
