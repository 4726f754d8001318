"""Preview close, named as the tabs name things: a user's name and id, a field's label and
type, and which setting made each decision (issue 15, item 4)."""

import re

from ..choices import label as field_label
from ..phrases import gettext as _


def named(ctx, result: dict) -> dict:
    """The preview's result with names beside the ids; the ids stay for the markup."""
    if not result.get("kind"):
        return result
    fields = ctx.b24_lists.fields_for(result["kind"]) if ctx.b24_lists else {}
    analytics = set((ctx.settings.get("analytics") or {}).values())
    mapped = []
    for row in result.get("mapped") or []:
        descriptor = fields.get(row["code"]) or {}
        mapped.append(
            {
                **row,
                "field": field_label(row["code"], descriptor),
                "type": str(descriptor.get("type") or ""),
                "tab": _("Analytics") if row["code"] in analytics else _("Additional fields"),
            }
        )
    return {
        **result,
        "transcript": as_text(result.get("transcript") or ""),
        "mapped": mapped,
        "responsible_name": ctx.user_label(result.get("responsible")),
        "settings": {
            "entity": _("CRM tab: the channel's setting"),
            "responsible": _("Operators tab: the operator's Bitrix24 user"),
        },
    }


_URL = re.compile(r"\[url=([^\]]+)\](.*?)\[/url\]", re.S | re.I)
_TAG = re.compile(r"\[/?(b|i|u|s|quote|code)\]", re.I)


def as_text(bbcode: str) -> str:
    """The transcript as it reads, not as BB-code: `[url=X]name[/url]` → `name (X)`."""
    text = _URL.sub(
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) != m.group(1) else m.group(1), bbcode
    )
    return _TAG.sub("", text)
