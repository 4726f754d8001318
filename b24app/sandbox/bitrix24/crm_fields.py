"""Field descriptors for `crm.deal.fields`, `crm.lead.fields`, `crm.item.fields`.

Standard fields as api-reference/crm/main-entities-fields.md lists them (a subset).
"""

from __future__ import annotations

import re
from typing import Any

_UTM = [
    (f"UTM_{k}", "string", f"UTM {k.lower()}")
    for k in ("SOURCE", "MEDIUM", "CAMPAIGN", "CONTENT", "TERM")
]
_COMMON = [
    ("ID", "integer", "ID", "ro"),
    ("TITLE", "string", "Name", ""),
    ("SOURCE_ID", "crm_status", "Source", "SOURCE"),
    ("SOURCE_DESCRIPTION", "string", "Source information", ""),
    ("COMMENTS", "string", "Comment", ""),
    ("ASSIGNED_BY_ID", "user", "Responsible person", ""),
    ("CREATED_BY_ID", "user", "Created by", "ro"),
    ("DATE_CREATE", "datetime", "Created on", "ro"),
    ("DATE_MODIFY", "datetime", "Modified on", "ro"),
    ("OPENED", "char", "Available to everyone", ""),
    ("ORIGINATOR_ID", "string", "External source", ""),
    ("ORIGIN_ID", "string", "Item ID in data source", ""),
    *((code, t, title, "") for code, t, title in _UTM),
]
_STANDARD = {
    "deal": [
        ("TYPE_ID", "crm_status", "Type", "DEAL_TYPE"),
        ("CATEGORY_ID", "crm_category", "Pipeline", "imm"),
        ("STAGE_ID", "crm_status", "Stage", "DEAL_STAGE"),
        ("OPPORTUNITY", "double", "Total", ""),
        ("CURRENCY_ID", "crm_currency", "Currency", ""),
        ("CONTACT_ID", "crm_contact", "Contact", ""),
        ("CONTACT_IDS", "crm_contact", "Contacts", "multi"),
        ("BEGINDATE", "date", "Start date", ""),
        ("CLOSEDATE", "date", "End date", ""),
        ("LEAD_ID", "crm_lead", "Lead", "ro"),
        ("COMPANY_ID", "crm_company", "Company", ""),
        ("ADDITIONAL_INFO", "string", "Additional information", ""),
    ],
    "lead": [
        ("NAME", "string", "First name", ""),
        ("LAST_NAME", "string", "Last name", ""),
        ("STATUS_ID", "crm_status", "Status", "STATUS"),
        ("OPPORTUNITY", "double", "Total", ""),
        ("CURRENCY_ID", "crm_currency", "Currency", ""),
        ("BIRTHDATE", "date", "Date of birth", ""),
        ("PHONE", "crm_multifield", "Phone", "multi"),
        ("EMAIL", "crm_multifield", "E-mail", "multi"),
        ("IM", "crm_multifield", "Messenger", "multi"),
        ("WEB", "crm_multifield", "Website", "multi"),
        ("SECOND_NAME", "string", "Second name", ""),
        ("COMPANY_TITLE", "string", "Company name", ""),
        ("COMPANY_ID", "crm_company", "Company", ""),
        ("CONTACT_ID", "crm_contact", "Contact", ""),
        ("CONTACT_IDS", "crm_contact", "Contacts", "multi"),
    ],
    "contact": [
        # only contacts and companies have it (api-reference/crm/main-entities-fields.md)
        ("ORIGIN_VERSION", "string", "Item version in data source", ""),
        ("NAME", "string", "First name", ""),
        ("LAST_NAME", "string", "Last name", ""),
        ("PHONE", "crm_multifield", "Phone", "multi"),
        ("EMAIL", "crm_multifield", "E-mail", "multi"),
        ("IM", "crm_multifield", "Messenger", "multi"),
        ("WEB", "crm_multifield", "Website", "multi"),
        ("SECOND_NAME", "string", "Second name", ""),
        ("COMPANY_ID", "crm_company", "Company", ""),
    ],
}
_ENUM_ITEMS = [
    {"ID": "101", "VALUE": "Retail"},
    {"ID": "102", "VALUE": "Wholesale"},
    {"ID": "103", "VALUE": "VIP"},
]
_CUSTOM = [
    ("1", "string", "Chat2Desk client ID"),
    ("2", "double", "Budget"),
    ("3", "integer", "Messages count"),
    ("4", "date", "First contact date"),
    ("5", "datetime", "Click time"),
    ("6", "enumeration", "Client segment"),
    ("7", "string", "Chat2Desk channel"),
    ("8", "money", "Deal budget"),
]
_UF_BASE = {"deal": 1700000000, "lead": 1700000100, "contact": 1700000200}


def _std(code: str, ftype: str, title: str, flag: str) -> dict[str, Any]:
    """A standard field descriptor."""
    desc = {
        "type": ftype,
        "isRequired": False,
        "isReadOnly": flag == "ro",
        "isImmutable": flag == "imm",
        "isMultiple": flag == "multi",
        "isDynamic": False,
        "title": title,
    }
    if ftype == "crm_status":
        desc["statusType"] = flag
        desc["isMultiple"] = False
    return desc


def _uf(code: str, ftype: str, label: str) -> dict[str, Any]:
    """A custom `UF_CRM_…` field descriptor; its title is the code, as on real portals."""
    desc = {
        "type": ftype,
        "isRequired": False,
        "isReadOnly": False,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": True,
        "title": code,
        "listLabel": label,
        "formLabel": label,
        "filterLabel": label,
        "settings": {},
    }
    if ftype == "money":  # DEFAULT_VALUE is `{VALUE}|{CURRENCY}` (crm-contact-userfield-get.md)
        desc["settings"] = {"DEFAULT_VALUE": "|RUB"}
    if ftype == "enumeration":
        desc["items"] = [dict(i) for i in _ENUM_ITEMS]
        desc["settings"] = {"DISPLAY": "LIST", "LIST_HEIGHT": 1}
    return desc


def fields_for(kind: str) -> dict[str, dict[str, Any]]:
    """All field descriptors of `deal`, `lead` or `contact`."""
    out = {code: _std(code, t, title, flag) for code, t, title, flag in _COMMON}
    for code, t, title, flag in _STANDARD[kind]:
        out[code] = _std(code, t, title, flag)
    base = _UF_BASE[kind]
    for suffix, ftype, label in _CUSTOM:
        code = f"UF_CRM_{base + int(suffix)}"
        out[code] = _uf(code, ftype, label)
    return out


def to_camel(code: str) -> str:
    """`ASSIGNED_BY_ID` → `assignedById`; `UF_CRM_1` → `ufCrm_1` (crm.item naming)."""
    if code.startswith("UF_CRM_"):
        return "ufCrm_" + code[len("UF_CRM_") :]
    head, *rest = code.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)


def from_camel(name: str) -> str:
    """`assignedById` → `ASSIGNED_BY_ID`; `ufCrm_1` → `UF_CRM_1`."""
    if name.startswith("ufCrm_"):
        return "UF_CRM_" + name[len("ufCrm_") :]
    if name.isupper():
        return name
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).upper()


def item_fields(kind: str) -> dict[str, dict[str, Any]]:
    """`crm.item.fields` shape: camelCase keys with `upperName`."""
    return {to_camel(code): {**desc, "upperName": code} for code, desc in fields_for(kind).items()}
