"""Dependency rules between settings: plain functions that return messages naming the setting."""

from flask_babel import gettext as _

from ..forms import labels

STRING_TYPES = ("string",)
MAPPABLE_TYPES = (
    "string",
    "integer",
    "double",
    "date",
    "datetime",
    "enumeration",
    "url",
    "money",
    "boolean",
)
RESERVED_FIELDS = ("ORIGINATOR_ID", "ORIGIN_ID")  # the close flow records Chat2Desk ids here


def common_errors(data: dict, stored: dict, tags: dict) -> dict[str, str]:
    """Errors of the Common tab; `stored` is its saved state, `tags` the saved Tags tab."""
    errors: dict[str, str] = {}
    if data.get("openlines_enabled") and not data.get("openline_id"):
        errors["openline_id"] = _(
            "Choose an Open Line: “%(other)s” is on.", other=labels.OPENLINES_ENABLED
        )
    if data.get("sign_group_phone") and not data.get("openlines_enabled"):
        errors["sign_group_phone"] = _(
            "This needs “%(other)s” to be on.", other=labels.OPENLINES_ENABLED
        )
    if not data.get("openlines_enabled"):
        for name, value in data.items():
            routed = name.startswith("openline_") and name != "openline_id"
            if value and (routed or name.startswith("ol_")):
                errors[name] = _("This needs “%(other)s” to be on.", other=labels.OPENLINES_ENABLED)
    turning_off = stored.get("openlines_enabled") and data.get("sign_group_phone")
    dependents = [str(labels.SIGN_GROUP_PHONE)] if turning_off else []
    if tags.get("send_previous_on_tag"):
        dependents.append(_("%(name)s (Tags tab)", name=labels.SEND_PREVIOUS_ON_TAG))
    if dependents and not data.get("openlines_enabled"):
        errors["openlines_enabled"] = _(
            "Open Lines cannot be turned off while these settings depend on them: %(names)s. "
            "Turn those off first.",
            names=", ".join(f"“{n}”" for n in dependents),
        )
    return errors


def tags_errors(data: dict, common: dict) -> dict[str, str]:
    """Errors of the Tags tab; `common` is the stored Common tab."""
    errors: dict[str, str] = {}
    if data.get("tag_mode") != "ignore" and not data.get("tags"):
        errors["tags"] = _(
            "Choose at least one tag, or set “%(other)s” to “Don't process tags”.",
            other=labels.TAG_MODE,
        )
    if data.get("send_previous_on_tag") and not common.get("openlines_enabled"):
        errors["send_previous_on_tag"] = _(
            "This needs “%(other)s” on the Common tab to be on.", other=labels.OPENLINES_ENABLED
        )
    return errors


def is_string_field(descriptor: dict) -> bool:
    """Whether a CRM field can hold all UTM pairs as one line of text."""
    return descriptor.get("type") in STRING_TYPES and not descriptor.get("isMultiple")


def utm_all_refusal(name: str, descriptor: dict) -> str | None:
    """Why a field cannot take `utm_all`, or None when it can."""
    if is_string_field(descriptor):
        return None
    return _(
        "“%(name)s” is not a single string field; all UTM pairs need a string field.", name=name
    )


def writable(code: str, descriptor: dict) -> bool:
    """Fields the close flow may fill with a value: plain types, not read-only, not reserved."""
    return (
        descriptor.get("type") in MAPPABLE_TYPES
        and code not in RESERVED_FIELDS
        and not descriptor.get("isReadOnly")
        and not descriptor.get("isImmutable")
    )


def match_by_email(operators: list[dict], users: list[dict], mapping: dict) -> dict[str, str]:
    """New `user_<operator id>` → user id for unmapped operators whose e-mail equals a user's."""
    by_email = {
        str(u.get("EMAIL") or "").strip().lower(): str(u.get("ID"))
        for u in users
        if str(u.get("EMAIL") or "").strip()
    }
    found = {}
    for op in operators:
        key = f"user_{op.get('id')}"
        email = str(op.get("email") or "").strip().lower()
        if not mapping.get(key) and email in by_email:
            found[key] = by_email[email]
    return found


def default_meaning(crm_mode: int, default_pipeline: str) -> str:
    """What channel mode `default` does on this portal."""
    if crm_mode == 2:
        return _("deal in “%(pipeline)s”", pipeline=default_pipeline)
    return _("lead")
