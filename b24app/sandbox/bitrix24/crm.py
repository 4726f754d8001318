"""CRM REST methods: deals, leads, contacts, items, categories, duplicates, timeline."""

from __future__ import annotations

from typing import Any

from . import crm_store as cs
from .crm_fields import fields_for, from_camel, item_fields, to_camel
from .envelope import ApiError, Page, crm_error, now_iso, paginate, param
from .registry import Ctx, method
from .seed import CATEGORIES


@method("crm.settings.mode.get")
def mode_get(ctx: Ctx, params: dict[str, Any]) -> int:
    """1 classic, 2 simple."""
    return ctx.portal.mode


@method("crm.category.list")
def category_list(ctx: Ctx, params: dict[str, Any]) -> Page:
    """Deal pipelines, default one included."""
    if str(param(params, "entityTypeId", "")) != "2":
        raise ApiError(400, "ENTITY_TYPE_NOT_SUPPORTED", "Entity type is not supported")
    return Page({"categories": [dict(c) for c in CATEGORIES]}, len(CATEGORIES))


def _list(ctx: Ctx, kind: str, params: dict[str, Any]) -> Page:
    """Shared legacy list: filter, select, order by ID, 50 per page."""
    rows = [
        r
        for eid, r in cs.store(ctx, kind).items()
        if not (kind == "lead" and eid in ctx.portal.converted_leads)
    ]
    rows = [r for r in rows if cs.matches(r, param(params, "filter") or {})]
    order = param(params, "order") or {}
    desc = isinstance(order, dict) and str(order.get("ID", "")).upper() == "DESC"
    rows.sort(key=lambda r: int(r["ID"]), reverse=desc)
    select = param(params, "select")
    select = list(select.values()) if isinstance(select, dict) else (select or [])
    page = paginate(rows, param(params, "start"))
    page.items = [cs.render(r, select) for r in page.items]
    return page


def _register_legacy(kind: str) -> None:
    """Register crm.<kind>.add|update|get|list|fields."""

    @method(f"crm.{kind}.add")
    def add(ctx: Ctx, params: dict[str, Any]) -> int:
        if kind == "lead":
            return lead_add(ctx, param(params, "fields"))
        return cs.add(ctx, kind, param(params, "fields"))

    @method(f"crm.{kind}.update")
    def update(ctx: Ctx, params: dict[str, Any]) -> bool:
        rec = cs.find(ctx, kind, param(params, "id"))
        cs.write(ctx, kind, rec, cs.validate(kind, param(params, "fields")))
        return True

    @method(f"crm.{kind}.get")
    def get(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
        return cs.render(cs.find(ctx, kind, param(params, "id")))

    @method(f"crm.{kind}.list")
    def list_(ctx: Ctx, params: dict[str, Any]) -> Page:
        return _list(ctx, kind, params)

    @method(f"crm.{kind}.fields")
    def fields(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
        return fields_for(kind)


for _kind in ("deal", "lead", "contact"):
    _register_legacy(_kind)


def lead_add(ctx: Ctx, fields: Any) -> int:
    """Add a lead; in simple mode convert it at once into a deal (+contact)."""
    ctx.portal.lead_add_calls += 1
    lead_id = cs.add(ctx, "lead", fields)
    if ctx.portal.mode != 2:
        return lead_id
    lead = ctx.portal.leads[lead_id]
    lead["STATUS_ID"] = "CONVERTED"
    ctx.portal.converted_leads.append(lead_id)
    contact_id = None
    if lead.get("NAME") or lead.get("LAST_NAME") or lead.get("PHONE"):
        person = {k: lead[k] for k in ("NAME", "LAST_NAME", "PHONE", "EMAIL") if lead.get(k)}
        for key in ("PHONE", "EMAIL"):
            if key in person:
                person[key] = [
                    {"VALUE": i["VALUE"], "VALUE_TYPE": i["VALUE_TYPE"]} for i in person[key]
                ]
        contact_id = cs.add(ctx, "contact", person)
        ctx.portal.contacts[contact_id]["LEAD_ID"] = lead_id  # read-only: set by the conversion
    skip = {
        "ID",
        "STATUS_ID",
        "NAME",
        "LAST_NAME",
        "PHONE",
        "EMAIL",
        "IM",
        "DATE_CREATE",
        "DATE_MODIFY",
        "CREATED_BY_ID",
        "BIRTHDATE",
    }
    deal = {k: v for k, v in lead.items() if k not in skip and not k.startswith("UF_")}
    deal["CONTACT_ID"] = contact_id
    ctx.portal.deals[cs.add(ctx, "deal", deal)]["LEAD_ID"] = lead_id
    return lead_id


def _kind_of(params: dict[str, Any]) -> str:
    """Entity kind from `entityTypeId`."""
    try:
        return cs.TYPE_IDS[int(param(params, "entityTypeId", 0))]
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "NOT_FOUND", "Smart process not found") from None


def _camel(rec: dict[str, Any]) -> dict[str, Any]:
    """A record in crm.item naming (ids as ints)."""
    out = {to_camel(k): v for k, v in cs.render(rec).items()}
    out["id"] = int(rec["ID"])
    return out


def _uppercase(fields: Any) -> dict[str, Any]:
    """crm.item camelCase fields → legacy codes."""
    if not isinstance(fields, dict):
        raise crm_error("Parameter 'fields' must be array.")
    return {from_camel(str(k)): v for k, v in fields.items()}


@method("crm.item.add")
def item_add(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Universal add."""
    kind, fields = _kind_of(params), _uppercase(param(params, "fields"))
    eid = lead_add(ctx, fields) if kind == "lead" else cs.add(ctx, kind, fields)
    if kind == "lead" and eid in ctx.portal.converted_leads:
        return {"item": _camel(ctx.portal.leads[eid])}
    return {"item": _camel(cs.find(ctx, kind, eid))}


@method("crm.item.update")
def item_update(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Universal update."""
    kind = _kind_of(params)
    rec = cs.find(ctx, kind, param(params, "id"))
    cs.write(ctx, kind, rec, cs.validate(kind, _uppercase(param(params, "fields"))))
    return {"item": _camel(rec)}


@method("crm.item.get")
def item_get(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Universal get."""
    kind = _kind_of(params)
    return {"item": _camel(cs.find(ctx, kind, param(params, "id")))}


@method("crm.item.list")
def item_list(ctx: Ctx, params: dict[str, Any]) -> Page:
    """Universal list with camelCase filter."""
    kind = _kind_of(params)
    flt = {}
    for key, value in (param(params, "filter") or {}).items():
        op = str(key)[: len(str(key)) - len(str(key).lstrip("=!<>%@"))]
        flt[op + from_camel(str(key)[len(op) :])] = value
    page = _list(ctx, kind, {"filter": flt, "start": param(params, "start"), "select": ["*"]})
    rows = [cs.find(ctx, kind, r["ID"]) for r in page.items]
    return Page({"items": [_camel(r) for r in rows]}, page.total, page.next)


@method("crm.item.fields")
def item_fields_(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Universal field descriptors."""
    return {"fields": item_fields(_kind_of(params))}


@method("crm.duplicate.findbycomm")
def findbycomm(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Contacts/leads by phone (digits only) or e-mail; `[]` when nothing matches."""
    ctype = str(param(params, "type") or "").upper()
    values = param(params, "values") or []
    if ctype not in ("PHONE", "EMAIL"):
        raise crm_error("Communication type is not defined.")
    if not values:
        raise crm_error("Communication values is not defined.")
    values = values if isinstance(values, list) else [values]
    norm = cs.digits if ctype == "PHONE" else (lambda v: str(v).strip().lower())
    wanted = {norm(v) for v in values} - {""}
    only = str(param(params, "entity_type") or "").upper()
    found: dict[str, list[int]] = {}
    for kind, key in (("lead", "LEAD"), ("contact", "CONTACT")):
        if only and only != key:
            continue
        for eid, rec in cs.store(ctx, kind).items():
            if kind == "lead" and eid in ctx.portal.converted_leads:
                continue
            if any(norm(i["VALUE"]) in wanted for i in rec.get(ctype, [])):
                found.setdefault(key, []).append(eid)
    return found or []


@method("crm.timeline.comment.add")
def comment_add(ctx: Ctx, params: dict[str, Any]) -> int:
    """Timeline comment on a deal, lead or contact (lowercase `fields` only)."""
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise crm_error("Parameter 'fields' must be array.")
    kind = str(fields.get("ENTITY_TYPE") or "").lower()
    try:
        eid = int(fields.get("ENTITY_ID") or 0)
    except (TypeError, ValueError):
        eid = 0
    if (
        kind not in cs.STORES
        or eid not in cs.store(ctx, kind)
        or (kind == "lead" and eid in ctx.portal.converted_leads)
    ):
        raise ApiError(400, "OWNER_NOT_FOUND", "Owner not found.")
    if not str(fields.get("COMMENT") or "").strip():
        raise crm_error("Comment is empty.")
    cid = ctx.portal.next_id("comment")
    ctx.portal.comments.append(
        {
            "ID": cid,
            "ENTITY_TYPE": kind,
            "ENTITY_ID": eid,
            "COMMENT": fields["COMMENT"],
            "AUTHOR_ID": ctx.user_id,
            "CREATED": now_iso(),
        }
    )
    return cid
