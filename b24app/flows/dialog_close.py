"""Dialog close → lead or deal with contact, analytics, fields and transcript (issue 6).

gather (Chat2Desk reads) → plan (pure) → lookup (1 Bitrix24 read batch) → apply (1 write batch).
`preview` runs the same steps without the last one.
"""

from ..journal import Outcome
from ..phrases import gettext as _
from ..phrases import join, ngettext
from . import close_facts, close_plan, tags
from .close_crm import Found, apply, claimed, lookup
from .close_facts import Facts
from .close_plan import Plan, Route


class Stop(Exception):
    """The close ends early; the outcome says why."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.decision)
        self.outcome = outcome


def _none_stop(chosen: Route, channel_id) -> None:
    if chosen.kind is None:
        raise Stop(
            Outcome(
                "done",
                _("No CRM entity: %(why)s; nothing searched or created.", why=chosen.why),
                entity="none",
                channel=channel_id,
            )
        )


def gather(ctx, facts: Facts) -> tuple[Facts, Route]:
    """Chat2Desk reads in budget order; stops early for channel 'none' and tag filters."""
    close_facts.need_ids(ctx, facts)
    if facts.channel_id is not None and close_plan.channel_setting(ctx, facts.channel_id) == "none":
        _none_stop(close_plan.route(ctx, facts.channel_id), facts.channel_id)
    close_facts.read_client(ctx, facts)
    ok, why = tags.allowed(ctx, facts.request_id, facts.client_id, tags.card_tags(facts.client))
    if not ok:
        raise Stop(Outcome("filtered", _("No CRM entity: %(why)s.", why=why)))
    close_facts.read_rest(ctx, facts)
    chosen = close_plan.route(ctx, facts.channel_id)
    _none_stop(chosen, facts.channel_id)
    return facts, chosen


def on_close(ctx, event) -> Outcome:
    """close_dialog / close_request: create or complete the entity exactly once."""
    try:
        facts, chosen = gather(ctx, close_facts.from_event(event))
    except Stop as stop:
        return stop.outcome
    if facts.client_id is None:
        return Outcome("ignored", _("The close names no client and Chat2Desk did not tell one."))
    plan = close_plan.make(ctx, facts, linked_route(ctx, facts, chosen))
    with claimed(ctx, facts.origin):
        found = lookup(ctx, plan)
        applied = apply(ctx, plan, found)
    made = plan.kind if applied.created else None  # the stats count entities made, not reused
    return Outcome("done", decision(ctx, plan, found, applied), made, facts.channel_id)


def linked_route(ctx, facts: Facts, chosen: Route) -> Route:
    """A dialog written first from a lead's or deal's tab closes into that very entity."""
    link = ctx.records.get("crm_entity", facts.origin)
    if link is None or not link.data.get("linked") or link.data.get("kind") == chosen.kind:
        return chosen
    why = _(
        "the dialog was started from the CRM card of %(entity)s",
        entity=_ref(link.data["kind"], link.remote_id),
    )
    return Route(kind=link.data["kind"], category=chosen.category, why=why)


def _ref(kind: str, entity_id) -> str:
    """'deal #12' / 'lead #12' in running text."""
    if kind == "deal":
        return _("deal #%(id)s", id=entity_id)
    return _("lead #%(id)s", id=entity_id)


def _entity_words(ctx, plan: Plan, entity_id) -> str:
    if plan.kind == "deal":
        name = close_plan.category_name(ctx, plan.route.category)
        return _("deal #%(id)s in pipeline '%(pipeline)s'", id=entity_id, pipeline=name)
    return _ref(plan.kind, entity_id)


def _contact_words(plan: Plan, found: Found, contact_id, created: bool) -> str:
    if created:
        if plan.phone:
            return _(
                "Contact #%(id)s created with phone %(phone)s.", id=contact_id, phone=plan.phone
            )
        return _("Contact #%(id)s created (no real phone known).", id=contact_id)
    if found.contact_id:
        return _("Contact #%(id)s reused (%(how)s).", id=found.contact_id, how=found.contact_how)
    if plan.kind == "lead":
        if plan.phone:
            return _("No contact found; the client's name and phone are on the lead.")
        return _("No contact found; the client's name is on the lead.")
    return _("No contact.")


def _fields_words(plan: Plan) -> str:
    written = join(", ", [join(" → ", [label, code]) for label, code, _v in plan.mapped])
    text = (
        _("Fields written: %(fields)s.", fields=written)
        if written
        else _("No mapped fields had values.")
    )
    if plan.skipped:
        text += " " + _("Skipped: %(skipped)s.", skipped=join("; ", plan.skipped))
    return text


def decision(ctx, plan: Plan, found: Found, applied) -> str:
    """The journal's words: entity, contact, responsible, fields, transcript."""
    ref = _ref(plan.kind, applied.entity_id)
    origin = plan.facts.origin
    if applied.created:
        head = _(
            "Created %(entity)s (%(why)s).",
            entity=_entity_words(ctx, plan, applied.entity_id),
            why=plan.route.why,
        )
    elif applied.commented:
        head = _("Completed %(entity)s, created earlier for %(origin)s.", entity=ref, origin=origin)
    else:
        return _(
            "Already done: %(entity)s exists for %(origin)s with its transcript.",
            entity=ref,
            origin=origin,
        )
    contact = _contact_words(plan, found, applied.contact_id, applied.contact_created)
    who = _(
        "Responsible: %(user)s (%(why)s).",
        user=ctx.user_label(plan.responsible),
        why=plan.responsible_why,
    )
    lines = len(plan.facts.messages)
    posted = ngettext(
        "Transcript of %(num)d message posted to the timeline.",
        "Transcript of %(num)d messages posted to the timeline.",
        lines,
    )
    return join(" ", [head, contact, who, _fields_words(plan), posted])


def preview(ctx, dialog_id) -> dict:
    """What closing the dialog would write, from Chat2Desk and Bitrix24 reads only."""
    facts = Facts(dialog_id=str(dialog_id))
    close_facts.fill_from_dialog(ctx, facts)
    try:
        facts, chosen = gather(ctx, facts)
    except Stop as stop:
        return {
            "dialog_id": str(dialog_id),
            "channel_id": facts.channel_id,
            "writes": False,
            "reason": stop.outcome.decision,
        }
    plan = close_plan.make(ctx, facts, chosen)
    return describe(ctx, plan, lookup(ctx, plan))


def describe(ctx, plan: Plan, found: Found) -> dict:
    facts = plan.facts
    if found.contact_id:
        contact = _("reuse contact #%(id)s (%(how)s)", id=found.contact_id, how=found.contact_how)
    elif plan.kind == "deal":
        contact = (
            _("create a contact with phone %(phone)s", phone=plan.phone)
            if plan.phone
            else _("create a contact")
        )
    else:
        contact = (
            _("no contact; name and phone on the lead")
            if plan.phone
            else _("no contact; name on the lead")
        )
    if found.entity_id:
        entity = _("already exists: %(entity)s", entity=_ref(plan.kind, found.entity_id))
    else:
        entity = _("create a deal") if plan.kind == "deal" else _("create a lead")
    return {
        "dialog_id": facts.dialog_id,
        "request_id": facts.request_id,
        "client_id": facts.client_id,
        "channel_id": facts.channel_id,
        "writes": not (found.entity_id and found.marked),
        "kind": plan.kind,
        "why": plan.route.why,
        "entity": entity,
        "pipeline": close_plan.category_name(ctx, plan.route.category)
        if plan.kind == "deal"
        else "",
        "responsible": plan.responsible,
        "responsible_why": plan.responsible_why,
        "contact": contact,
        "fields": dict(plan.fields),
        "mapped": [
            {"label": lbl, "code": code, "value": value} for lbl, code, value in plan.mapped
        ],
        "skipped": list(plan.skipped),
        "transcript": plan.comment,
    }
