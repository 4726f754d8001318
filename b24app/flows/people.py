"""One rule for a client's name and phone in every flow (CONTRACT §8 "names")."""

import re

from flask_babel import gettext as _

from ..clients.c2d_normalize import person_name, real_phone

OL_NAME_MAX = 25
# imconnector.send.messages: `name`/`last_name` "can contain letters, spaces, hyphens, and
# apostrophes. Numbers and other special characters are not allowed. The maximum length … is 25"
# (api-reference/imopenlines/imconnector/imconnector-send-messages.md).
_NOT_LETTER = re.compile(r"[^\w'\-]|_")


def display_name(client: dict | None, client_id) -> str:
    """The client's real name, else the real phone, else "Chat2Desk client <id>"."""
    client = client or {}
    return (
        person_name(client)
        or real_phone(client)
        or _("Chat2Desk client %(id)s", id=client_id or client.get("id") or "?")
    )


def ol_name(client: dict | None) -> str:
    """`user.name` for the Open Line: the real name cleaned to Bitrix24's rule, or ""."""
    words = (_NOT_LETTER.sub("", w).strip("-'") for w in person_name(client or {}).split())
    text = " ".join(w for w in words if w and not any(c.isdigit() for c in w))
    if len(text) > OL_NAME_MAX:
        cut = text[:OL_NAME_MAX]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return text.strip(" -'")
