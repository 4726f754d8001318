"""The CRM tab's entry: verify the iframe payload as `/` does and bind the entity to the frame."""

import hashlib
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, session
from flask_babel import gettext as _

from .. import lifecycle
from ..events import Entry
from ..extensions import db
from ..flows.crm_tab import PLACEMENTS
from ..models import FrameSession, Portal
from ..portals import EntryError
from ..views.gate import load_frame


def enter(entry: Entry) -> tuple[str, str]:
    """Verify (lifecycle.enter, shared with `/`) and remember which entity the frame shows."""
    kind = PLACEMENTS.get(entry.placement)
    entity_id = str(entry.placement_options.get("ID") or "")
    if kind is None or not entity_id.isdigit() or len(entity_id) > 18:
        raise EntryError(_("This tab opens only from a lead, deal or contact card."), 400)
    _portal, token = lifecycle.enter(entry)
    key = hashlib.sha256(token.encode()).hexdigest()
    expires = datetime.now(UTC) + timedelta(seconds=current_app.config["FRAME_TOKEN_MAX_AGE"])
    db.session.merge(
        FrameSession(key=key, data={"crm_entity": f"{kind}:{entity_id}"}, expires_at=expires)
    )
    db.session.commit()
    return token, f"{kind}:{entity_id}"


def current() -> tuple[Portal, str, int]:
    """The frame of a tab request: portal, entity kind and id; 401/403 in words otherwise."""
    _found, portal = load_frame()
    kind, _sep, entity_id = str(session.get("crm_entity") or "").partition(":")
    if not entity_id.isdigit():
        abort(401, _("Open this tab again from the CRM card in Bitrix24."))
    return portal, kind, int(entity_id)
