"""Believable seed data for one fake Chat2Desk company."""

import time
from collections.abc import Callable

from b24app.sandbox.chat2desk.clock import c2d_time

OPERATORS = [
    (1, "Alexei", "Admin", "admin@example.com", {"role": "admin", "status": "admin"}),
    (2, "Maria", "Sokolova", "maria.supervisor@example.com", {"role": "supervisor"}),
    (3, "Ivan", "Petrov", "ivan.operator@example.com", {"role": "operator"}),
    (4, "Olga", "Ivanova", "olga.operator@example.com", {"role": "operator"}),
    (5, "Anna", "Petrova", "anna.petrova@example.com", {"access_right_name": "Супервайзер"}),
]
CHANNELS = [
    (1, "WhatsApp Sales", "+74950000001", ["whatsapp", "wa_dialog"]),
    (2, "Telegram Support", "@sandbox_support_bot", ["telegram"]),
    (3, "Website chat", "example.com", ["widget"]),
]
TAGS = [
    (1, "VIP", 1, "Clients"),
    (2, "Spam", 2, "Requests"),
    (3, "Wholesale", 1, "Clients"),
    (4, "Complaint", 2, "Requests"),
]
CUSTOM_FIELDS = [
    (1, "Company", "text"),
    (2, "Budget", "number"),
    (3, "Birthday", "date"),
    (4, "City", "text"),
    (5, "Segment", "text"),
]
SEGMENTS = ("Retail", "Wholesale", "Corporate")

CLIENTS = [
    {
        "name": "Ivan Smirnov",
        "phone": "+79161234567",
        "client_phone": "+79161234567",
        "channel": 1,
        "transport": "whatsapp",
        "operator": 3,
        "state": "open",
        "custom_fields": {
            "1": "Romashka LLC",
            "2": 150000,
            "3": "1990-05-17",
            "4": "Moscow",
            "5": "Retail",
        },
        "utm": ("google", "cpc", "spring_sale", "banner_a", "buy sofa"),
        "talk": [
            ("from_client", "Hello! Is the grey sofa still available?"),
            ("to_client", "Good afternoon! Yes, it is in stock. Shall I reserve it?"),
            ("from_client", "Yes please, here is the photo of my room."),
        ],
    },
    {
        "name": "Alex Telegram",
        "phone": "[tg] 807892",
        "client_phone": None,
        "channel": 2,
        "transport": "telegram",
        "operator": 4,
        "state": "open",
        "custom_fields": {
            "1": "Acme Trading",
            "2": "about 50k",
            "3": "17.05.1991",
            "4": "Saint Petersburg",
            "5": "Wholesale",
        },
        "utm": None,
        "talk": [
            ("from_client", "Hi, do you ship wholesale orders to Kazan?"),
            ("to_client", "Hello Alex! Yes, from 50 units. Could you share your phone?"),
        ],
    },
    {
        "name": "Dana Widget",
        "phone": "[chat] 1d0b5e9a7c3f4b21",
        "client_phone": "+77011234567",
        "channel": 3,
        "transport": "widget",
        "operator": 5,
        "state": "closed",
        "custom_fields": {"1": "Globex", "2": "250000.50", "3": "03.12.1985", "5": "Corporate"},
        "utm": ("yandex", "organic", "brand", "", "globex furniture"),
        "talk": [
            ("from_client", "Can I get an invoice for a company?"),
            ("to_client", "Sure, the invoice has been sent to your e-mail."),
            ("from_client", "Thank you, received."),
        ],
    },
]
# A widget visitor who left no name: name and phone are both the pseudo id, as in Chat2Desk's
# webhook-signature example (Postman "Chat2Desk Public API", shared/reference/chat2desk.md §5.2).
PSEUDO_CLIENT = {
    "name": "[chat] 1d0bb2e221762cfcc05c",
    "assigned_name": None,
    "phone": "[chat] 1d0bb2e221762cfcc05c",
    "client_phone": None,
    "channel": 3,
    "transport": "widget",
    "operator": None,
    "state": "closed",
    "custom_fields": {},
    "utm": None,
    "talk": [("from_client", "test7")],
}
# A WhatsApp group chat: its messages name the sender's phone (CONTRACT §8 "group-chat message").
GROUP_CLIENT = {
    "name": "Sofa buyers group",
    "phone": "[wa] 120363041234567890",
    "client_phone": None,
    "group_sender": "+79035550101",
    "channel": 1,
    "transport": "whatsapp",
    "operator": 3,
    "state": "open",
    "custom_fields": {},
    "utm": None,
    "talk": [("from_client", "Is delivery included?")],
}
CLIENTS += [PSEUDO_CLIENT, GROUP_CLIENT]
ATTACHMENT = {
    "name": "room.jpg",
    "link": "https://files.example.com/sandbox/room.jpg",
}
SEED_TIME = "2025-05-26T08:21:30 UTC"
SEED_UNIX = 1748247690


def operator_record(op_id, first, last, email, extra) -> dict:
    """An operator in both the legacy (`role`) and the 2026 (`status`, access right) models."""
    record = {
        "id": op_id,
        "email": email,
        "phone": f"+7900000000{op_id}",
        "first_name": first,
        "last_name": last,
        "avatar": None,
        "status": "enabled",
        "access_right_id": op_id,
        "access_right_name": (extra.get("role") or "operator").capitalize(),
        "online": 1 if op_id != 4 else 0,
        "offline_type": None,
        "status_id": 1,
        "opened_dialogs": 0,
        "last_visit": SEED_TIME,
        "external_id": None,
        "two_factor": False,
    }
    record.update(extra)
    return record


def base_records() -> dict:
    """Operators, channels, tags and custom-field definitions (same ids in every company)."""
    return {
        "operators": {op[0]: operator_record(*op) for op in OPERATORS},
        "channels": {
            cid: {"id": cid, "name": name, "phone": phone, "transports": list(tr)}
            for cid, name, phone, tr in CHANNELS
        },
        "tags": {tid: tag_record(tid) for tid, *_ in TAGS},
        "custom_fields": {
            fid: {
                "id": fid,
                "name": name,
                "type": kind,
                "value": ", ".join(SEGMENTS) if name == "Segment" else "",
                "editable": True,
                "viewable": True,
                "tracking_field": False,
            }
            for fid, name, kind in CUSTOM_FIELDS
        },
    }


def tag_record(tag_id: int) -> dict:
    """A tag as `GET /tags` shows it."""
    tid, label, group_id, group_name = next(t for t in TAGS if t[0] == tag_id)
    return {
        "id": tid,
        "label": label,
        "description": f"{label} ({group_name.lower()})",
        "group_id": group_id,
        "group_name": group_name,
    }


def client_record(client_id: int, spec: dict) -> dict:
    """A client card as `GET /clients/{id}` shows it."""
    return {
        "id": client_id,
        "name": spec["name"],
        "username": None,
        "comment": "",
        "assigned_name": spec.get("assigned_name", spec["name"]),
        "phone": spec["phone"],
        "client_phone": spec["client_phone"],
        "avatar": None,
        "region_id": None,
        "country_id": None,
        "first_client_message": SEED_TIME,
        "last_client_message": SEED_TIME,
        "extra_comment_1": None,
        "extra_comment_2": None,
        "extra_comment_3": None,
        "custom_fields": dict(spec["custom_fields"]),
        "client_external_id": None,
        "external_id": None,
        "external_ids": {},
        "channels": [{"id": spec["channel"], "transports": [spec["transport"]]}],
        "tags": [],
        **({"group_sender": spec["group_sender"]} if spec.get("group_sender") else {}),
    }


def analytics_row(client_id: int, message_id: int, utm: tuple, row_id: int) -> dict:
    """A web-analytics row; `client_id` here is the site's GA/Metrica visitor id."""
    source, medium, campaign, content, term = utm
    return {
        "id": row_id,
        "client_id": f"GA1.2.{100000 + client_id}.{SEED_UNIX}",
        "message_id": message_id,
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": content,
        "utm_term": term,
        "click_time": "2025-05-26T08:15:02 UTC",
        "page_url": f"https://example.com/?utm_source={source}",
    }


def seed_conversations(company, next_id: Callable[[str], int]) -> None:
    """Create the seeded clients with one dialog, one request and a short talk each."""
    start = time.time() - 3 * 3600
    for number, spec in enumerate(CLIENTS):
        client = client_record(next_id("client"), spec)
        company.clients[client["id"]] = client
        dialog = company.open_dialog(client, spec["channel"], spec["operator"], next_id)
        for index, (kind, text) in enumerate(spec["talk"]):
            msg = company.add_message(dialog, kind, text, next_id("message"))
            msg["created"] = c2d_time(start + number * 3600 + index * 90)
            if index == 2 and kind == "from_client":
                msg["attachments"] = [dict(ATTACHMENT)]
                msg["photo"] = ATTACHMENT["link"]
        if spec["state"] == "closed":  # closed after its talk, earlier than the app came
            company.close_dialog(dialog)
            dialog["end"] = c2d_time(start + number * 3600 + len(spec["talk"]) * 90 + 60)
        if spec["utm"]:
            first = next(m for m in company.messages.values() if m["client_id"] == client["id"])
            row = analytics_row(client["id"], first["id"], spec["utm"], next_id("analytics"))
            company.web_analytics.setdefault(client["id"], []).append(row)
