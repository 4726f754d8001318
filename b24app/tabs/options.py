"""Choice lists for the selects, built from the live lists; stale stored values stay visible."""

from flask_babel import gettext as _

from .. import choices
from . import rules

BLANK = ""


def mark(
    field,
    live: list[tuple[str, str]],
    stored,
    refused: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """Give `field` the live choices, plus each stored value missing from them, shown as such."""
    refused = dict(refused or {})
    offered = {value for value, _label in live}
    extra = []
    for value in stored if isinstance(stored, list) else [stored]:
        value = "" if value is None else str(value)
        if value == BLANK or value in offered:
            continue
        if value not in refused:
            refused[value] = _(
                "“%(value)s” no longer exists; choose another option.",
                value=(names or {}).get(value, value),
            )
            extra.append((value, _("%(value)s (no longer exists)", value=value)))
        else:
            extra.append(
                (value, _("%(value)s (not allowed)", value=(names or {}).get(value, value)))
            )
    field.choices = [*live, *extra]
    field.refused = refused


def b24_type(descriptor: dict) -> str:
    """A Bitrix24 field type in the admin's words (crm.deal.fields `type`)."""
    kind = str(descriptor.get("type") or "")
    words = {
        "string": _("text"),
        "double": _("number"),
        "integer": _("whole number"),
        "date": _("date"),
        "datetime": _("date and time"),
        "enumeration": _("list"),
        "boolean": _("yes/no"),
        "money": _("money"),
        "url": _("link"),
    }
    return words.get(kind, kind)


def crm_field_options(
    fields: dict, only_strings: bool = False, with_types: bool = False
) -> tuple[list, dict, dict]:
    """(choices, refused, names) of CRM fields the close flow may write, blank first."""
    live, refused, names = [(BLANK, _("— not transferred —"))], {}, {}
    for code, desc in sorted(fields.items(), key=lambda kv: choices.label(*kv).lower()):
        if not rules.writable(code, desc):
            continue
        name = choices.label(code, desc)
        names[code] = f"{name} ({code})" if name != code else code
        if with_types and b24_type(desc):
            names[code] += f" — {b24_type(desc)}"
        reason = rules.utm_all_refusal(names[code], desc) if only_strings else None
        if reason:
            refused[code] = reason
        else:
            live.append((code, names[code]))
    return live, refused, names


def user_name(user: dict) -> str:
    """`Anna Petrova` or the e-mail or the id."""
    full = " ".join(str(user.get(k) or "").strip() for k in ("NAME", "LAST_NAME")).strip()
    return full or str(user.get("EMAIL") or "") or f"#{user.get('ID')}"


def user_options(users: list[dict]) -> tuple[list, dict]:
    """(choices, refused) of Bitrix24 users: active ones offered, inactive ones refused."""
    live, refused = [(BLANK, _("— not mapped —"))], {}
    for user in users:
        uid, name = str(user.get("ID")), user_name(user)
        if user.get("ACTIVE") in (False, "N", "0", 0):
            refused[uid] = _("%(name)s is deactivated in Bitrix24; choose another user.", name=name)
        else:
            email = str(user.get("EMAIL") or "")
            live.append((uid, f"{name} <{email}>" if email else name))
    return live, refused


def crm_options(b24) -> tuple[list, dict]:
    """(choices, refused) for a channel: default, deal per pipeline, lead (classic), none."""
    meaning = rules.default_meaning(b24.crm_mode, b24.default_category_name())
    live = [("default", _("Default (%(meaning)s)", meaning=meaning))]
    live += [
        (f"deal:{c.get('id')}", _("Deal in “%(pipeline)s”", pipeline=c.get("name")))
        for c in b24.categories
    ]
    refused = {}
    if b24.crm_mode == 2:
        refused["lead"] = _(
            "Leads are turned off in the simple CRM mode of this portal; choose a deal pipeline."
        )
    else:
        live.append(("lead", _("Lead")))
    live.append(("none", _("No entities")))
    return live, refused


def openline_options(openlines: list[dict]) -> list:
    """Blank plus each Open Line by name."""
    live = [(BLANK, _("— choose an Open Line —"))]
    for line in openlines:
        suffix = "" if line.get("active") else " " + _("(inactive)")
        live.append((str(line["id"]), f"{line['name']}{suffix}"))
    return live
