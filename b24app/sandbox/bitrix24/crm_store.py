"""CRM entity storage shared by crm.deal/lead/contact.* and crm.item.*: validate, filter, render."""

from __future__ import annotations

import re
from typing import Any

from .crm_fields import fields_for
from .envelope import crm_error, now_iso
from .registry import Ctx
from .seed import CATEGORIES

STORES = {"deal": "deals", "lead": "leads", "contact": "contacts"}
TYPE_IDS = {1: "lead", 2: "deal", 3: "contact"}
MULTI = ("PHONE", "EMAIL", "IM", "WEB")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_MONEY = re.compile(r"^-?\d+(\.\d+)?\|[A-Z]{3}$")
_OP = re.compile(r"^(>=|<=|!=|=|!|>|<|%|@)?(.+)$")


def store(ctx: Ctx, kind: str) -> dict[int, dict[str, Any]]:
    """The dict of entities of a kind."""
    return getattr(ctx.portal, STORES[kind])


def digits(value: Any) -> str:
    """Digits of a phone number."""
    return re.sub(r"\D", "", str(value or ""))


def _check_uf(code: str, desc: dict[str, Any], value: Any) -> None:
    """Validate one custom field value."""
    for v in value if isinstance(value, list) else [value]:
        if v in (None, "", False):
            continue
        if desc["type"] == "enumeration" and str(v) not in {i["ID"] for i in desc["items"]}:
            raise crm_error(f"Field '{code}': value '{v}' is not an item of the list.")
        if desc["type"] in ("date", "datetime") and not _DATE.match(str(v)):
            raise crm_error(f"Field '{code}': invalid date value '{v}'.")
        # money takes `amount|CURRENCY`, e.g. 300|RUB (api-reference/crm/currency/index.md)
        if desc["type"] == "money" and not _MONEY.match(str(v)):
            raise crm_error(f"Field '{code}': money is written as amount|CURRENCY, not '{v}'.")


def validate(kind: str, fields: Any) -> dict[str, Any]:
    """Check fields of an add/update; returns them with upper-case keys."""
    if not isinstance(fields, dict):
        raise crm_error("Parameter 'fields' must be array.")
    descriptors = fields_for(kind)
    # A real portal silently drops fields the entity lacks (deals and leads have no ORIGIN_VERSION,
    # api-reference/crm/main-entities-fields.md) and ignores read-only ones (crm-deal-fields.md).
    fields = {
        code: v
        for code, v in ((str(k).upper(), v) for k, v in fields.items())
        if code in descriptors and not descriptors[code]["isReadOnly"]
    }
    for code, value in fields.items():
        desc = descriptors.get(code)
        if desc and desc["isDynamic"]:
            _check_uf(code, desc, value)
    if kind == "deal" and "CATEGORY_ID" in fields:
        if str(fields["CATEGORY_ID"]) not in {str(c["id"]) for c in CATEGORIES}:
            raise crm_error(f"Category with ID '{fields['CATEGORY_ID']}' is not found.")
    return fields


def _multi_items(value: Any) -> list[dict[str, Any]]:
    """Multifield input as a list of dicts (accepts a list, a `n0`-keyed map or a string)."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        value = [{"VALUE": value}]
    return [v if isinstance(v, dict) else {"VALUE": v} for v in value]


def _merge_multi(ctx: Ctx, code: str, current: list[dict], value: Any) -> list[dict]:
    """Apply multifield input: add new, edit by ID, delete by ID with empty VALUE."""
    result = [dict(i) for i in current]
    for item in _multi_items(value):
        item = {str(k).upper(): v for k, v in item.items()}
        existing = next((r for r in result if item.get("ID") and r["ID"] == str(item["ID"])), None)
        if existing is not None:
            if item.get("VALUE") in (None, ""):
                result.remove(existing)
            else:
                existing.update({k: v for k, v in item.items() if k != "ID"})
        elif item.get("VALUE") not in (None, ""):
            result.append(
                {
                    "ID": str(ctx.portal.next_id("multifield")),
                    "TYPE_ID": code,
                    "VALUE": str(item["VALUE"]),
                    "VALUE_TYPE": item.get("VALUE_TYPE") or "WORK",
                }
            )
    return result


def _defaults(ctx: Ctx, kind: str, eid: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Fields a new entity gets before the caller's values."""
    now = now_iso()
    rec = {
        "ID": str(eid),
        "TITLE": "",
        "ASSIGNED_BY_ID": str(ctx.user_id),
        "CREATED_BY_ID": str(ctx.user_id),
        "DATE_CREATE": now,
        "DATE_MODIFY": now,
        "OPENED": "Y",
        "SOURCE_ID": "",
        "COMMENTS": "",
        "ORIGINATOR_ID": None,
        "ORIGIN_ID": None,
    }
    if kind == "deal":
        cat = str(fields.get("CATEGORY_ID", "0") or "0")
        rec.update(
            {
                "CATEGORY_ID": cat,
                "STAGE_ID": "NEW" if cat == "0" else f"C{cat}:NEW",
                "OPPORTUNITY": "0.00",
                "CURRENCY_ID": "USD",
                "CLOSED": "N",
                "CONTACT_ID": None,
                "LEAD_ID": None,
            }
        )
    elif kind == "lead":
        rec.update({"STATUS_ID": "NEW", "NAME": "", "LAST_NAME": "", "OPPORTUNITY": "0.00"})
    else:
        rec.update({"NAME": "", "LAST_NAME": ""})
    return rec


def write(ctx: Ctx, kind: str, rec: dict[str, Any], fields: dict[str, Any]) -> None:
    """Copy validated fields into a record."""
    for code, value in fields.items():
        if code == "ID":
            continue
        if code in MULTI:
            rec[code] = _merge_multi(ctx, code, rec.get(code, []), value)
        else:
            rec[code] = value
    rec["DATE_MODIFY"] = now_iso()


def add(ctx: Ctx, kind: str, fields: Any) -> int:
    """Create an entity; returns its int id."""
    fields = validate(kind, fields)
    eid = ctx.portal.next_id(kind)
    rec = _defaults(ctx, kind, eid, fields)
    write(ctx, kind, rec, fields)
    store(ctx, kind)[eid] = rec
    return eid


def find(ctx: Ctx, kind: str, eid: Any) -> dict[str, Any]:
    """An entity by id or the CRM 'Not found' error."""
    try:
        key = int(eid)
    except (TypeError, ValueError):
        raise crm_error("ID is not defined or invalid.") from None
    rec = store(ctx, kind).get(key)
    if rec is None or (kind == "lead" and key in ctx.portal.converted_leads):
        raise crm_error("Not found")
    return rec


def render(rec: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    """Entity as REST returns it: ids and numbers as strings; `select` applied."""
    out = {}
    for code, value in rec.items():
        if select is not None and not _selected(code, select):
            continue
        out[code] = (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )
    return out


def _selected(code: str, select: list[str]) -> bool:
    """Whether a field is in a list `select` (default: standard non-multi fields)."""
    if code == "ID" or code in select:
        return True
    if code.startswith("UF_"):
        return "UF_*" in select
    return code not in MULTI and ("*" in select or not select)


def _value_matches(have: Any, op: str, want: Any, phone: bool) -> bool:
    """Compare one stored value with a filter value."""
    wants = want if isinstance(want, list) else [want]
    norm = digits if phone else (lambda v: str(v if v is not None else ""))
    hit = any(norm(have) == norm(w) for w in wants)
    if op in ("!", "!="):
        return not hit
    if op == "%":
        return str(wants[0]).lower() in str(have or "").lower()
    if op in (">", "<", ">=", "<="):
        try:
            a, b = float(have), float(wants[0])
        except (TypeError, ValueError):
            return False
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    return hit


def matches(rec: dict[str, Any], flt: dict[str, Any]) -> bool:
    """Apply a list `filter` to a record."""
    for key, want in (flt or {}).items():
        m = _OP.match(str(key))
        op, code = (m.group(1) or "="), m.group(2).upper()
        if code in MULTI:
            values = [i["VALUE"] for i in rec.get(code, [])]
            if not any(_value_matches(v, op, want, code == "PHONE") for v in values):
                if op not in ("!", "!="):
                    return False
        elif not _value_matches(rec.get(code), op, want, False):
            return False
    return True
