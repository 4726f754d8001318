"""Bitrix24 server-to-server events (form-encoded, PHP bracket keys)."""

from flask import Blueprint, jsonify, request

from .. import lifecycle
from ..events import B24Event
from ..extensions import csrf

bp = Blueprint("events", __name__)


@bp.route("/bitrix/events", methods=["POST"])
@csrf.exempt
def receive():
    """Authenticate by application_token, then install/update/uninstall/relay."""
    event = B24Event.from_form(request.form.items(multi=True))
    if not event.name:
        return jsonify(error="no event name in the request"), 400
    body, status = lifecycle.handle_event(event)
    return jsonify(body), status
