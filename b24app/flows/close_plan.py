"""What closing a dialog should write: entity kind, pipeline, fields, responsible, contact.

Pure planning from the facts read from Chat2Desk and the portal's settings and lists; the
preview shows a plan, `on_close` applies it (close_crm.py).
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..clients.chat2desk import real_phone
from ..phrases import gettext as _
from ..settings_store import ANALYTICS_KEYS
from . import transcript
from .bbcode import plain
from .close_facts import Facts, first_client_message
from .convert import Unconvertible, convert
from .notify import mapped_user, operator_name
from .people import display_name

ORIGINATOR = "chat2desk"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
ANALYTICS_LABELS = {
    "utm_all": _l("All UTM tags"),
    "client_id": _l("Chat2Desk client id"),
    "message_id": _l("First message id"),
    "click_time": _l("Click time"),
}


@dataclass
class Route:
    """Which entity the channel's setting asks for, and why."""

    kind: str | None  # deal | lead | None (no CRM at all)
    category: str = "0"
    why: str = ""


@dataclass
class Plan:
    """Everything a close would write, before anything is written."""

    facts: Facts
    route: Route
    fields: dict = field(default_factory=dict)
    mapped: list = field(default_factory=list)  # (label, code, value)
    skipped: list = field(default_factory=list)
    responsible: int | None = None
    responsible_why: str = ""
    phone: str | None = None
    client_name: str = ""
    contact_fields: dict = field(default_factory=dict)
    comment: str = ""

    @property
    def kind(self) -> str:
        return self.route.kind or ""


def channel_setting(ctx, channel_id) -> str:
    return str(ctx.settings.get("crm", {}).get(f"channel_{channel_id}") or "default")


def channel_name(ctx, channel_id) -> str:
    found = ctx.c2d_item("channels", channel_id)
    return str(found.get("name")) if found else f"#{channel_id}"


def setting_label(ctx, setting: str) -> str:
    """A channel setting as the CRM tab names it (so the journal speaks the admin's words)."""
    if setting == "none":
        return _("No entities")
    if setting == "lead":
        return _("Lead")
    if setting.startswith("deal:"):
        return _("Deal in “%(pipeline)s”", pipeline=category_name(ctx, setting.split(":", 1)[1]))
    return _("Default")


def route(ctx, channel_id) -> Route:
    """none / lead / deal:<cat> / default by CRM mode; simple mode never gets a lead."""
    setting = channel_setting(ctx, channel_id)
    where = _(
        "channel %(channel)s is set to '%(setting)s'",
        channel=channel_name(ctx, channel_id),
        setting=setting_label(ctx, setting),
    )
    if setting == "none":
        return Route(None, why=where)
    simple = ctx.b24_lists.crm_mode == 2
    if setting.startswith("deal:"):
        return _deal(ctx, setting.split(":", 1)[1], where)
    if setting == "lead" and simple:
        return _deal(
            ctx, "0", _("%(why)s; the portal uses simple CRM (no leads), so a deal", why=where)
        )
    if setting == "lead":
        return Route("lead", why=where)
    if simple:
        return _deal(ctx, "0", _("%(why)s; the portal uses simple CRM, so a deal", why=where))
    return Route("lead", why=_("%(why)s; the portal uses classic CRM, so a lead", why=where))


def _deal(ctx, category: str, why: str) -> Route:
    known = {str(c.get("id")) for c in ctx.b24_lists.categories}
    if known and category not in known:
        why = _(
            "%(why)s; pipeline %(pipeline)s no longer exists, so the default",
            why=why,
            pipeline=category,
        )
        return Route("deal", "0", why)
    return Route("deal", category, why)


def category_name(ctx, category: str) -> str:
    found = next((c for c in ctx.b24_lists.categories if str(c.get("id")) == str(category)), None)
    return str(found.get("name")) if found else f"#{category}"


def analytics_value(key: str, facts: Facts):
    row = facts.analytics
    if key == "utm_all":
        return "; ".join(f"{k}={row[k]}" for k in UTM_KEYS if row.get(k)) or None
    if key == "client_id":
        return facts.client_id
    if key == "message_id":
        return row.get("message_id") or first_client_message(facts)
    return row.get(key)


def wanted_values(ctx, kind: str, facts: Facts) -> list[tuple[str, str, object]]:
    """(label, field code, raw value) for every mapped analytics key and custom field."""
    out = []
    analytics = ctx.settings.get("analytics", {})
    for key in ANALYTICS_KEYS:
        code = analytics.get(f"{kind}_{key}")
        if code:
            label = str(ANALYTICS_LABELS.get(key, key.replace("utm_", "UTM ")))
            out.append((label, code, analytics_value(key, facts)))
    names = {
        str(f.get("id")): str(f.get("name"))
        for f in (ctx.c2d_lists.custom_fields if ctx.c2d_lists else [])
    }
    values = facts.client.get("custom_fields") or {}
    prefix = f"{kind}_cf_"
    for name, code in sorted(ctx.settings.get("fields", {}).items()):
        if name.startswith(prefix) and code:
            cf_id = name[len(prefix) :]
            label = names.get(cf_id) or _("Field %(id)s", id=cf_id)
            out.append((label, code, values.get(cf_id)))
    return out


def map_values(ctx, plan: Plan) -> None:
    """Convert each mapped value to its field's type; unconvertible values are skipped."""
    descriptors = ctx.b24_lists.fields_for(plan.kind)
    for label, code, raw in wanted_values(ctx, plan.kind, plan.facts):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if code not in descriptors:
            plan.skipped.append(
                _(
                    "%(label)s: the field %(code)s no longer exists — skipped",
                    label=label,
                    code=code,
                )
            )
            continue
        try:
            value = convert(raw, descriptors[code])
        except Unconvertible as exc:
            plan.skipped.append(_("%(label)s: %(why)s — skipped", label=label, why=exc))
            continue
        plan.fields[code] = value
        plan.mapped.append((label, code, value))


def responsible(ctx, facts: Facts) -> tuple[int | None, str]:
    user = mapped_user(ctx, facts.operator_id)
    if user:
        return user, _(
            "the mapped user of operator %(operator)s",
            operator=operator_name(ctx, facts.operator_id),
        )
    why = (
        _(
            "operator %(operator)s has no mapped user",
            operator=operator_name(ctx, facts.operator_id),
        )
        if facts.operator_id
        else _("the dialog has no operator")
    )
    return ctx.portal.installer_user_id, _("%(why)s, so the admin who installed the app", why=why)


def base_fields(ctx, plan: Plan) -> dict:
    facts = plan.facts
    source = f"Chat2Desk ({facts.transport})" if facts.transport else "Chat2Desk"
    who = plan.client_name or _("client %(id)s", id=facts.client_id)
    fields = {
        "TITLE": plain(f"Chat2Desk: {who} · {channel_name(ctx, facts.channel_id)}"),
        "SOURCE_ID": "OTHER",
        "SOURCE_DESCRIPTION": source,
        "ORIGINATOR_ID": ORIGINATOR,
        "ORIGIN_ID": facts.origin,
    }
    if plan.responsible:
        fields["ASSIGNED_BY_ID"] = plan.responsible
    if plan.kind == "deal":
        fields["CATEGORY_ID"] = plan.route.category
    return fields


def contact_fields(plan: Plan) -> dict:
    """A contact the app creates; ORIGIN_ID lets a retry find it even without a phone."""
    fields = {
        "NAME": plan.client_name or _("Chat2Desk client %(id)s", id=plan.facts.client_id),
        "SOURCE_ID": "OTHER",
        "SOURCE_DESCRIPTION": "Chat2Desk",
        "ORIGINATOR_ID": ORIGINATOR,
        "ORIGIN_ID": f"client:{plan.facts.client_id}",
    }
    if plan.phone:
        fields["PHONE"] = [{"VALUE": plan.phone, "VALUE_TYPE": "MOBILE"}]
    if plan.responsible:
        fields["ASSIGNED_BY_ID"] = plan.responsible
    return fields


def operator_names(ctx) -> dict:
    operators = ctx.c2d_lists.operators if ctx.c2d_lists else []
    return {str(o.get("id")): operator_name(ctx, o.get("id")) for o in operators}


def make(ctx, facts: Facts, chosen: Route) -> Plan:
    """The whole plan for a routed close (chosen.kind is deal or lead)."""
    client = facts.client
    plan = Plan(
        facts=facts,
        route=chosen,
        phone=real_phone(client),
        client_name=display_name(client, facts.client_id),
    )
    plan.responsible, plan.responsible_why = responsible(ctx, facts)
    plan.fields = base_fields(ctx, plan)
    map_values(ctx, plan)
    plan.contact_fields = contact_fields(plan)
    title = (
        _(
            "Chat2Desk dialog %(dialog)s, request %(request)s",
            dialog=facts.dialog_id,
            request=facts.request_id,
        )
        if facts.request_id
        else _("Chat2Desk dialog %(dialog)s", dialog=facts.dialog_id)
    )
    plan.comment = transcript.render(facts.messages, plan.client_name, operator_names(ctx), title)
    return plan
