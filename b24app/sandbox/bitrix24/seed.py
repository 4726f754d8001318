"""Believable seed data of a fresh fake portal: users, pipelines, fields, open lines."""

from __future__ import annotations

from typing import Any

_PEOPLE = [
    ("John", "Smith", "admin@example.com", "Director", True, True),
    ("Anna", "Petrova", "anna.petrova@example.com", "Sales manager", False, True),
    ("Ivan", "Sokolov", "ivan.sokolov@example.com", "Sales manager", False, True),
    ("Maria", "Garcia", "maria.garcia@example.com", "Support agent", False, True),
    ("Pedro", "Silva", "pedro.silva@example.com", "Support agent", False, True),
    ("Olga", "Ivanova", "olga.ivanova@example.com", "Former manager", False, False),
]


def _user(uid: int, name: str, last: str, email: str, pos: str, admin: bool, active: bool):
    """One user record as `user.get` shows it (plus the private ADMIN flag)."""
    return {
        "ID": str(uid),
        "XML_ID": f"fake-{uid}",
        "ACTIVE": active,
        "NAME": name,
        "LAST_NAME": last,
        "SECOND_NAME": "",
        "EMAIL": email,
        "PERSONAL_GENDER": "",
        "PERSONAL_PHOTO": "",
        "WORK_POSITION": pos,
        "UF_DEPARTMENT": [1],
        "USER_TYPE": "employee",
        "TIME_ZONE": "",
        "IS_ONLINE": "N",
        "ADMIN": admin,
    }


def make_users(spec: Any = None, admin: dict | None = None) -> dict[int, dict]:
    """Seed users: the six defaults, N users (int), or a list of dicts."""
    users = {i + 1: _user(i + 1, *p) for i, p in enumerate(_PEOPLE)}
    if isinstance(spec, int) and spec > len(users):
        for uid in range(len(users) + 1, spec + 1):
            users[uid] = _user(
                uid, f"User{uid}", "Test", f"user{uid}@example.com", "Staff", False, True
            )
    elif isinstance(spec, list):
        for item in spec:
            uid = int(item.get("ID") or item.get("id") or len(users) + 1)
            base = users.get(uid) or _user(
                uid, "User", str(uid), f"user{uid}@example.com", "Staff", False, True
            )
            base.update({k.upper(): v for k, v in item.items() if k.lower() != "id"})
            users[uid] = base
    if admin:
        users[1].update({k.upper(): v for k, v in admin.items() if k.lower() != "id"})
        users[1]["ADMIN"] = True
    return users


CATEGORIES = [
    {
        "id": 0,
        "name": "General",
        "sort": 100,
        "entityTypeId": 2,
        "isDefault": "Y",
        "originId": "",
        "originatorId": "",
    },
    {
        "id": 1,
        "name": "Wholesale",
        "sort": 200,
        "entityTypeId": 2,
        "isDefault": "N",
        "originId": "",
        "originatorId": "",
    },
    {
        "id": 2,
        "name": "Partners",
        "sort": 300,
        "entityTypeId": 2,
        "isDefault": "N",
        "originId": "",
        "originatorId": "",
    },
]

OPEN_LINES = [
    {
        "ID": "1",
        "ACTIVE": "Y",
        "LINE_NAME": "Sales",
        "CRM": "Y",
        "CRM_CREATE": "lead",
        "QUEUE_TYPE": "evenly",
        "QUEUE": ["2", "3"],
    },
    {
        "ID": "2",
        "ACTIVE": "Y",
        "LINE_NAME": "Support",
        "CRM": "Y",
        "CRM_CREATE": "lead",
        "QUEUE_TYPE": "all",
        "QUEUE": ["4", "5"],
    },
]

KNOWN_EVENTS = {
    "ONAPPINSTALL",
    "ONAPPUPDATE",
    "ONAPPUNINSTALL",
    "ONAPPPAYMENT",
    "ONIMCONNECTORMESSAGEADD",
    "ONIMCONNECTORMESSAGEUPDATE",
    "ONIMCONNECTORMESSAGEDELETE",
    "ONIMCONNECTORSTATUSDELETE",
    "ONIMCONNECTORLINEDELETE",
    "ONIMCONNECTORDIALOGSTART",
    "ONIMCONNECTORDIALOGFINISH",
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMCONTACTADD",
    "ONCRMCONTACTUPDATE",
    "ONIMBOTMESSAGEADD",
    "ONIMBOTJOINCHAT",
    "ONIMBOTDELETE",
    "ONUSERADD",
    "ONOFFLINEEVENT",
}
