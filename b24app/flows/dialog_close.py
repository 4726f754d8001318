"""Dialog close → lead or deal with contact, analytics, fields and transcript (issue 6).

gather (Chat2Desk reads) → plan (pure) → lookup (1 Bitrix24 read batch) → apply (1 write batch).
`preview` runs the same steps without the last one.
"""

from ..journal import Outcome
from . import close_facts, close_plan, tags
from .close_crm import Found, apply, claimed, lookup
from .close_facts import Facts
from .close_plan import Plan, Route


class Stop(Exception):
    """The close ends early; the outcome says why."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.decision)
        self.outcome = outcome


def _none_stop(chosen: Route) -> None:
    if chosen.kind is None:
        raise Stop(Outcome("done", f"No CRM entity: {chosen.why}; nothing searched or created."))


def gather(ctx, facts: Facts) -> tuple[Facts, Route]:
    """Chat2Desk reads in budget order; stops early for channel 'none' and tag filters."""
    close_facts.need_ids(ctx, facts)
    if facts.channel_id is not None and close_plan.channel_setting(ctx, facts.channel_id) == "none":
        _none_stop(close_plan.route(ctx, facts.channel_id))
    close_facts.read_client(ctx, facts)
    ok, why = tags.allowed(ctx, facts.request_id, facts.client_id, tags.card_tags(facts.client))
    if not ok:
        raise Stop(Outcome("filtered", f"No CRM entity: {why}."))
    close_facts.read_rest(ctx, facts)
    chosen = close_plan.route(ctx, facts.channel_id)
    _none_stop(chosen)
    return facts, chosen


def on_close(ctx, event) -> Outcome:
    """close_dialog / close_request: create or complete the entity exactly once."""
    try:
        facts, chosen = gather(ctx, close_facts.from_event(event))
    except Stop as stop:
        return stop.outcome
    if facts.client_id is None:
        return Outcome("ignored", "The close names no client and Chat2Desk did not tell one.")
    plan = close_plan.make(ctx, facts, chosen)
    with claimed(ctx, facts.origin):
        found = lookup(ctx, plan)
        applied = apply(ctx, plan, found)
    return Outcome("done", decision(ctx, plan, found, applied))


def _entity_words(ctx, plan: Plan, entity_id) -> str:
    if plan.kind == "deal":
        name = close_plan.category_name(ctx, plan.route.category)
        return f"deal #{entity_id} in pipeline '{name}'"
    return f"lead #{entity_id}"


def _contact_words(plan: Plan, found: Found, contact_id, created: bool) -> str:
    if created:
        phone = f" with phone {plan.phone}" if plan.phone else " (no real phone known)"
        return f"Contact #{contact_id} created{phone}."
    if found.contact_id:
        return f"Contact #{found.contact_id} reused ({found.contact_how})."
    if plan.kind == "lead":
        return (
            "No contact found; the client's name"
            + (" and phone" if plan.phone else "")
            + " are on the lead."
        )
    return "No contact."


def _fields_words(plan: Plan) -> str:
    written = ", ".join(f"{label} → {code}" for label, code, _ in plan.mapped)
    text = f" Fields written: {written}." if written else " No mapped fields had values."
    if plan.skipped:
        text += " Skipped: " + "; ".join(plan.skipped) + "."
    return text


def decision(ctx, plan: Plan, found: Found, applied) -> str:
    """The journal's words: entity, contact, responsible, fields, transcript."""
    ref = f"{plan.kind} #{applied.entity_id}"
    if applied.created:
        head = f"Created {_entity_words(ctx, plan, applied.entity_id)} ({plan.route.why})."
    elif applied.commented:
        head = f"Completed {ref}, created earlier for {plan.facts.origin}."
    else:
        return f"Already done: {ref} exists for {plan.facts.origin} with its transcript."
    contact = _contact_words(plan, found, applied.contact_id, applied.contact_created)
    who = f" Responsible: user {plan.responsible} ({plan.responsible_why})."
    lines = len(plan.facts.messages)
    return (
        f"{head} {contact}{who}{_fields_words(plan)}"
        f" Transcript of {lines} messages posted to the timeline."
    )


def preview(ctx, dialog_id) -> dict:
    """What closing the dialog would write, from Chat2Desk and Bitrix24 reads only."""
    facts = Facts(dialog_id=str(dialog_id))
    close_facts.fill_from_dialog(ctx, facts)
    try:
        facts, chosen = gather(ctx, facts)
    except Stop as stop:
        return {"dialog_id": str(dialog_id), "writes": False, "reason": stop.outcome.decision}
    plan = close_plan.make(ctx, facts, chosen)
    return describe(ctx, plan, lookup(ctx, plan))


def describe(ctx, plan: Plan, found: Found) -> dict:
    facts = plan.facts
    if found.contact_id:
        contact = f"reuse contact #{found.contact_id} ({found.contact_how})"
    elif plan.kind == "deal":
        contact = "create a contact" + (f" with phone {plan.phone}" if plan.phone else "")
    else:
        contact = "no contact; name" + (" and phone" if plan.phone else "") + " on the lead"
    entity = (
        f"already exists: {plan.kind} #{found.entity_id}"
        if found.entity_id
        else f"create a {plan.kind}"
    )
    return {
        "dialog_id": facts.dialog_id,
        "request_id": facts.request_id,
        "client_id": facts.client_id,
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
