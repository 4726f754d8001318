"""The tab's forms with their live choices (the view assigns them; forms only validate)."""

from ..clients.c2d_normalize import operator_role
from ..flows.crm_tab import operator_label
from ..forms.crm_tab import FORMS

HIDDEN_ROLES = ("disabled", "deleted", "unconfirmed")


def _lists(ctx, kind: str) -> list:
    try:
        return list(getattr(ctx.c2d_lists, kind) or [])
    except Exception:  # noqa: BLE001 - without lists the selects stay empty and refuse
        return []


def forms_for(ctx, view, formdata=None) -> dict:
    """One form per action; `formdata` only for the posted one (the rest render empty)."""
    posted = (formdata or {}).get("action")
    forms = {}
    for action, cls in FORMS.items():
        data = formdata if action == posted else None
        forms[action] = cls(formdata=data, meta={"csrf": True}) if data else cls(formdata=None)
    tags = _lists(ctx, "tags")
    forms["tag_add"].tag_id.choices = [(str(t.get("id")), str(t.get("label"))) for t in tags]
    own = {tag for client in view.clients for tag in client.tags} if view else set()
    forms["tag_remove"].tag_id.choices = sorted(own, key=lambda t: t[1])
    operators = [o for o in _lists(ctx, "operators") if operator_role(o) not in HIDDEN_ROLES]
    forms["assign"].operator_id.choices = [
        (str(o.get("id")), operator_label(ctx, o.get("id"))) for o in operators
    ]
    channels = _lists(ctx, "channels")
    forms["write_first"].channel_id.choices = [
        (str(c.get("id")), str(c.get("name") or c.get("id"))) for c in channels
    ]
    transports = sorted({str(t) for c in channels for t in c.get("transports") or []})
    forms["write_first"].transport.choices = [(t, t) for t in transports]
    return forms
