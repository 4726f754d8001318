"""The two Bitrix24 requests of a close: one read batch, one chained write batch (halt on error).

Deals and leads have no ORIGIN_VERSION (api-reference/crm/main-entities-fields.md) and a portal
drops unknown fields, so the done-marker lives in ORIGIN_ID, which they do have and which stays
writable (crm-deal-fields.md: isReadOnly false): the entity is created with ORIGIN_ID
"pending:<origin>" and set to "<origin>" after the comment, in the same batch. The read batch of any
retry — even after "the write ran but the answer was lost" — finds either (`@ORIGIN_ID`, "IN",
crm-deal-list.md) and tells what is done: "<origin>" → nothing; pending → comment + mark; absent →
everything.
"""

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from ..clients.bitrix24 import TransportError
from ..phrases import gettext as _
from .close_plan import ORIGINATOR, Plan

PENDING = "pending:"
CLAIM_KIND, CLAIM_STALE_SECONDS = "close_claim", 300


class CloseInProgressError(Exception):
    """A write of this close may still be running (another worker's, or one left unanswered):
    the row waits as a scheduled retry until the claim lapses (`retry_at`), never as an error."""

    transient = True

    def __init__(self, message: str, retry_at=None):
        super().__init__(message)
        self.retry_at = retry_at


@dataclass
class Found:
    """What Bitrix24 (or our records) already holds for this close."""

    entity_id: int | None = None
    marked: bool = False
    contact_id: int | None = None
    contact_how: str = ""


@dataclass
class Applied:
    """What the write batch did."""

    entity_id: int
    created: bool
    contact_id: int | None
    contact_created: bool
    commented: bool


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _phones(phone: str) -> list[str]:
    digits = phone.lstrip("+")
    return [phone, digits] if digits != phone else [phone]


def read_commands(ctx, plan: Plan, found: Found) -> dict:
    cmds = {}
    if found.entity_id is None:
        cmds["entity"] = (
            f"crm.{plan.kind}.list",
            {
                "filter": {
                    "ORIGINATOR_ID": ORIGINATOR,
                    "@ORIGIN_ID": [plan.facts.origin, PENDING + plan.facts.origin],
                },
                "select": ["ID", "ORIGIN_ID", "CONTACT_ID"],
                "order": {"ID": "ASC"},
            },
        )
    if found.contact_id is None:
        if plan.phone:
            cmds["phone"] = (
                "crm.duplicate.findbycomm",
                {"type": "PHONE", "values": _phones(plan.phone), "entity_type": "CONTACT"},
            )
        cmds["own"] = (
            "crm.contact.list",
            {
                "filter": {
                    "ORIGINATOR_ID": ORIGINATOR,
                    "ORIGIN_ID": f"client:{plan.facts.client_id}",
                },
                "select": ["ID"],
                "order": {"ID": "ASC"},
            },
        )
    return cmds


def from_records(ctx, plan: Plan) -> Found:
    found = Found()
    entity = ctx.records.get("crm_entity", plan.facts.origin)
    if entity is not None and entity.data.get("kind") == plan.kind:
        # an entity linked from the CRM tab's "write first" still needs its transcript
        found.entity_id, found.marked = _int(entity.remote_id), not entity.data.get("linked")
        found.contact_id = _int(entity.data.get("contact_id"))
    contact = ctx.records.remote_id("crm_contact", plan.facts.client_id)
    if found.contact_id is None and contact:
        found.contact_id, found.contact_how = _int(contact), _("known from an earlier close")
    return found


def lookup(ctx, plan: Plan) -> Found:
    """Our records first; one read batch for whatever they do not know."""
    found = from_records(ctx, plan)
    cmds = read_commands(ctx, plan, found)
    if not cmds:
        return found
    res = ctx.b24.batch(cmds)
    res.raise_first()
    rows = res.result.get("entity") or []
    if rows:
        found.entity_id = _int(rows[0].get("ID"))
        found.marked = any(row.get("ORIGIN_ID") == plan.facts.origin for row in rows)
        if found.contact_id is None and _int(rows[0].get("CONTACT_ID")):
            found.contact_id = _int(rows[0].get("CONTACT_ID"))
            found.contact_how = _("already linked to the entity")
    own = res.result.get("own") or []
    by_phone = (res.result.get("phone") or {}) if isinstance(res.result.get("phone"), dict) else {}
    if found.contact_id is None and own:
        found.contact_id = _int(own[0].get("ID"))
        found.contact_how = _("created by the app earlier")
    elif found.contact_id is None and by_phone.get("CONTACT"):
        found.contact_id = min(_int(i) or 0 for i in by_phone["CONTACT"])
        found.contact_how = _("found by phone %(phone)s", phone=plan.phone)
    return found


def write_commands(plan: Plan, found: Found) -> dict:
    """Contact add (deals only) → entity add (pending) → comment → mark; `$result` chained."""
    cmds, kind = {}, plan.kind
    entity_ref = found.entity_id
    if entity_ref is None:
        contact_ref = found.contact_id
        if contact_ref is None and kind == "deal":
            cmds["contact"] = ("crm.contact.add", {"fields": plan.contact_fields})
            contact_ref = "$result[contact]"
        pending = {"ORIGIN_ID": PENDING + plan.facts.origin}
        fields = {**plan.fields, **pending, **_contact_link(plan, contact_ref)}
        cmds["entity"] = (
            f"crm.{kind}.add",
            {"fields": fields, "params": {"REGISTER_SONET_EVENT": "Y"}},
        )
        entity_ref = "$result[entity]"
    cmds["comment"] = (
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": entity_ref, "ENTITY_TYPE": kind, "COMMENT": plan.comment}},
    )
    done = {"ORIGIN_ID": plan.facts.origin}
    cmds["mark"] = (f"crm.{kind}.update", {"id": entity_ref, "fields": done})
    return cmds


def _contact_link(plan: Plan, contact_ref) -> dict:
    if contact_ref is not None:
        link = {"CONTACT_ID": contact_ref}
        if plan.kind == "deal":
            link["CONTACT_IDS"] = [contact_ref]
        return link
    if plan.kind == "lead":
        lead = {"NAME": plan.contact_fields["NAME"]}
        if plan.phone:
            lead["PHONE"] = [{"VALUE": plan.phone, "VALUE_TYPE": "MOBILE"}]
        return lead
    return {}


def apply(ctx, plan: Plan, found: Found) -> Applied:
    """The write batch (nothing when the entity is already marked done), then our records."""
    if found.entity_id is not None and found.marked:
        applied = Applied(found.entity_id, False, found.contact_id, False, False)
    else:
        res = ctx.b24.batch(write_commands(plan, found), halt=True)
        res.raise_first()
        entity_id = found.entity_id or _int(res.result.get("entity"))
        contact_id = found.contact_id or _int(res.result.get("contact"))
        applied = Applied(
            entity_id, found.entity_id is None, contact_id, "contact" in res.result, True
        )
    remember(ctx, plan, applied)
    return applied


def remember(ctx, plan: Plan, applied: Applied) -> None:
    """Record the entity (per request/dialog), the client's latest entity and its contact."""
    facts = plan.facts
    ref = f"{plan.kind}:{applied.entity_id}"
    data = {
        "kind": plan.kind,
        "dialog_id": facts.dialog_id,
        "request_id": facts.request_id,
        "client_id": facts.client_id,
        "contact_id": applied.contact_id,
    }
    known = ctx.records.get("crm_entity", facts.origin)
    if known is not None and known.data.get("linked"):
        ctx.records.forget("crm_entity", facts.origin)  # the link is now a finished close
        known = None
    if known is None:
        ctx.records.put("crm_entity", facts.origin, applied.entity_id, data)
    for kind, key in (("crm_dialog", facts.dialog_id), ("crm_client", facts.client_id)):
        if key and ctx.records.remote_id(kind, key) != ref:
            ctx.records.forget(kind, key)
            ctx.records.put(kind, key, ref)
    if (
        applied.contact_id
        and facts.client_id
        and not ctx.records.get("crm_contact", facts.client_id)
    ):
        ctx.records.put("crm_contact", facts.client_id, applied.contact_id)


def _take(ctx, origin: str) -> str | None:
    token = uuid.uuid4().hex
    ctx.records.put(CLAIM_KIND, origin, token, {"until": time.time() + CLAIM_STALE_SECONDS})
    row = ctx.records.get(CLAIM_KIND, origin)
    return token if row is not None and row.remote_id == token else None


@contextmanager
def claimed(ctx, origin: str):
    """Only one worker at a time reads-then-writes one request's entity (close_dialog and
    close_request often arrive together); a claim left by a dead worker goes stale."""
    token = _take(ctx, origin)
    if token is None:
        row = ctx.records.get(CLAIM_KIND, origin)
        if row is not None and time.time() > float(row.data.get("until") or 0):
            ctx.records.forget(CLAIM_KIND, origin)
            token = _take(ctx, origin)
    if token is None:
        row = ctx.records.get(CLAIM_KIND, origin)
        until = float((row.data or {}).get("until") or 0) if row is not None else 0
        raise CloseInProgressError(
            _("a write of the entity for %(origin)s may still be running", origin=origin),
            retry_at=datetime.fromtimestamp(max(until, time.time()) + 1, UTC),
        )
    try:
        yield
    except TransportError:
        # No answer: the write may still be running at Bitrix24. Keep the claim until it must
        # have finished (a REST call lasts at most 60 s), so no retry reads "not there yet".
        ctx.records.touch(CLAIM_KIND, origin, {"until": time.time() + ctx.write_grace})
        raise
    except BaseException:
        ctx.records.forget(CLAIM_KIND, origin)
        raise
    ctx.records.forget(CLAIM_KIND, origin)
