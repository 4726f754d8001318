"""Per-tab builders: choices, layout, why-disabled lines and the rules each tab checks."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..forms import settings as forms
from ..settings_store import SHOW_KEYS
from . import Spec, TabPage, rules
from .options import (
    crm_field_options,
    crm_options,
    mark,
    openline_options,
    user_options,
)
from .rows import analytics_rows, channel_rows, custom_field_rows, operator_rows

NEEDS_OPENLINES = _l("Works only with “%(other)s” on.")
BLANK_LINE = ""


def _channels(page: TabPage) -> list:
    """Chat2Desk channels for the per-channel lines, when Chat2Desk is connected and answers."""
    from .. import choices

    if page.ctx.portal.connection is None:
        return []
    try:
        return choices.chat2desk(page.ctx.portal).channels
    except Exception:  # noqa: BLE001 - without the list there are no per-channel rows
        return []


def common(page: TabPage) -> None:
    """Common: notifications, Open Lines (a line per channel, options), dialog links."""
    stored, lines = page.ctx.stored["common"], page.ctx.b24.openlines
    rows = [
        (
            f"openline_{name.removeprefix('channel_')}",
            _("Line for “%(channel)s”", channel=label),
            why,
        )
        for name, label, why in channel_rows(_channels(page))
    ]
    form = page.form = forms.with_rows(forms.CommonForm, rows)(data=stored)
    mark(form.openline_id, openline_options(lines), stored.get("openline_id"))
    main = [(BLANK_LINE, _("— the main Open Line —")), *openline_options(lines)[1:]]
    for name, *_rest in rows:
        mark(form[name], main, stored.get(name))
    routed = {r[0] for r in rows}
    base = [n for n in form._fields if n != "csrf_token" and n not in routed]
    page.sections = [(None, base), (_("Open Line per Chat2Desk channel"), [r[0] for r in rows])]
    page.disables["openlines_enabled"] = " ".join(
        ["openline_id", "sign_group_phone", "ol_sign_operator", "ol_wait_operator"]
        + ["ol_delivery_errors", *(r[0] for r in rows)]
    )
    form.dialog_links.choices = [
        ("chat2desk", _("Chat2Desk web")),
        ("bitrix24", _("The Bitrix24 app (inside the portal)")),
    ]
    for name in ("sign_group_phone", "ol_sign_operator", "ol_wait_operator", "ol_delivery_errors"):
        page.whys[name] = str(NEEDS_OPENLINES) % {"other": forms.labels.OPENLINES_ENABLED}
    if page.ctx.stored["tags"].get("send_previous_on_tag"):
        page.whys["openlines_enabled"] = _(
            "“%(name)s” on the Tags tab depends on this.", name=forms.labels.SEND_PREVIOUS_ON_TAG
        )
    if stored.get("openlines_enabled") and page.ctx.b24.connector_active is False:
        page.problem = _(
            "The app's Open Lines connector is no longer active on the chosen line (this "
            "happens after a reinstall). Save this tab to activate it again."
        )
    if not lines and not stored.get("openlines_enabled"):
        page.off |= {"openlines_enabled", "openline_id", "sign_group_phone"}
        page.off |= {"ol_sign_operator", "ol_wait_operator", "ol_delivery_errors"}
        page.off |= {r[0] for r in rows}
        page.whys["openlines_enabled"] = _(
            "There are no Open Lines on this portal. Create one in Contact Center, "
            "then press “Refresh lists”."
        )


def tags(page: TabPage) -> None:
    """Tags: mode, chosen tags, earlier messages after tagging."""
    stored, common_tab = page.ctx.stored["tags"], page.ctx.stored["common"]
    form = page.form = forms.TagsForm(data=stored)
    form.tag_mode.choices = [
        ("ignore", _("Don't process tags")),
        ("only_tagged", _("Accept only dialogs with a chosen tag")),
        ("reject_tagged", _("Reject dialogs with a chosen tag")),
    ]
    live = [
        (
            str(t.get("id")),
            f"{t.get('label')} ({t.get('group_name')})"
            if t.get("group_name")
            else str(t.get("label")),
        )
        for t in page.ctx.c2d.tags
    ]
    mark(form.tags, live, list(stored.get("tags") or []))
    page.disables["tag_mode"] = "tags"  # "Don't process tags" (the first choice) greys the list
    if not common_tab.get("openlines_enabled"):
        page.whys["send_previous_on_tag"] = _(
            "Turn on “%(other)s” on the Common tab first.", other=forms.labels.OPENLINES_ENABLED
        )
        if not stored.get("send_previous_on_tag"):
            page.off.add("send_previous_on_tag")


def _mapping(page: TabPage, base, rows, stored: dict, only_strings=(), with_types=False) -> None:
    """A form of CRM field selects, one deal and one lead section."""
    b24 = page.ctx.b24
    page.form = forms.with_rows(base, [r for entity in ("deal", "lead") for r in rows(entity)])(
        data=stored
    )
    for entity, title in (("deal", _("Deal fields")), ("lead", _("Lead fields"))):
        plain = crm_field_options(b24.fields_for(entity), with_types=with_types)
        strings = crm_field_options(b24.fields_for(entity), only_strings=True)
        names = [name for name, *_rest in rows(entity)]
        for name in names:
            live, refused, labels = strings if name.endswith(only_strings) else plain
            mark(page.form[name], live, stored.get(name), refused, labels)
        page.sections.append((title, names))
    if b24.crm_mode == 2:
        page.notes.append(
            _(
                "This portal uses the simple CRM mode: leads are off, "
                "so only the deal fields are used."
            )
        )


def analytics(page: TabPage) -> None:
    """Analytics: UTM and system values to deal and lead fields."""
    _mapping(
        page,
        forms.AnalyticsForm,
        analytics_rows,
        page.ctx.stored["analytics"],
        only_strings=("_utm_all",),
    )
    page.notes.append(
        _("“utm_all” offers only string fields: it writes every UTM pair as one line of text.")
    )
    _warn_text_in_numbers(page, page.ctx.stored["analytics"])


NUMERIC_VALUES = ("message_id",)  # the only analytics value that is a number


def _warn_text_in_numbers(page: TabPage, stored: dict) -> None:
    """A text value mapped to a number field: said beside the field, before a close skips it."""
    for name, code in stored.items():
        entity, _sep, key = name.partition("_")
        if not code or key in NUMERIC_VALUES or entity not in ("deal", "lead"):
            continue
        descriptor = page.ctx.b24.fields_for(entity).get(code) or {}
        if descriptor.get("type") in ("double", "integer"):
            page.whys[name] = _(
                "“%(key)s” is text, and this is a number field: values that are not numbers "
                "will be skipped (the journal says so).",
                key=key,
            )


def fields(page: TabPage) -> None:
    """Additional fields: Chat2Desk custom client fields to deal and lead fields."""
    custom = page.ctx.c2d.custom_fields
    _mapping(
        page,
        forms.FieldsForm,
        lambda entity: custom_field_rows(custom, entity),
        page.ctx.stored["fields"],
        with_types=True,
    )
    if not custom:
        page.notes.append(_("Your Chat2Desk account has no custom client fields."))


def operators(page: TabPage) -> None:
    """Operators: Chat2Desk operator → Bitrix24 user, and the notification switches."""
    stored, ops = page.ctx.stored["operators"], page.ctx.c2d.operators
    rows = operator_rows(ops, page.ctx.b24.users, stored)
    page.form = forms.with_rows(forms.OperatorsForm, rows)(data=stored)
    live, refused = user_options(page.ctx.b24.users)
    for name, *_rest in rows:
        mark(page.form[name], live, stored.get(name), refused)
    page.sections = [
        (_("Operators"), [r[0] for r in rows]),
        (_("Notifications"), ["notify_assignment", *SHOW_KEYS]),
        (_("Escalation"), ["escalate_minutes"]),
    ]
    page.buttons.append(("match_email", _("Match by e-mail")))
    page.notes.append(
        _(
            "The mapped user is responsible for entities created for the operator's "
            "dialogs and receives the notifications. Without a mapping, the mapped "
            "users of supervisors are notified, then the portal's administrators."
        )
    )


def crm(page: TabPage) -> None:
    """CRM: per channel, which entity a closed dialog creates."""
    stored, b24 = page.ctx.stored["crm"], page.ctx.b24
    rows = channel_rows(page.ctx.c2d.channels)
    page.form = forms.with_rows(forms.CrmForm, rows)(
        data={name: stored.get(name, "default") for name, *_rest in rows}
    )
    live, refused = crm_options(b24)
    for name, *_rest in rows:
        mark(page.form[name], live, stored.get(name, "default"), refused)
    meaning = rules.default_meaning(b24.crm_mode, b24.default_category_name())
    mode = _("simple") if b24.crm_mode == 2 else _("classic")
    page.notes.append(
        _(
            "“Default” on this portal means: %(meaning)s (%(mode)s CRM mode).",
            meaning=meaning,
            mode=mode,
        )
    )


def access(page: TabPage) -> None:
    """Access: who sees the CRM card tab and may act in it."""
    stored = page.ctx.stored["access"]
    form = page.form = forms.AccessForm(data=stored)
    form.tab_access.choices = [
        ("everyone", _("Everyone who can open the CRM card")),
        ("listed", _("Only the users listed below")),
    ]
    live, refused = user_options(page.ctx.b24.users)
    mark(form.tab_users, live[1:], list(stored.get("tab_users") or []), refused)


def _match(data: dict, page: TabPage, pressed: set) -> str | None:
    """ "Match by e-mail" proposes: unmapped rows whose operator e-mail equals a user's are
    filled in on the form; nothing is saved until Save."""
    if "match_email" not in pressed:
        return None
    ctx = page.ctx
    users = [u for u in ctx.b24.users if u.get("ACTIVE") not in (False, "N", "0", 0)]
    found = rules.match_by_email(ctx.c2d.operators, users, data)
    for name, user_id in found.items():
        page.form[name].data = user_id
    if not found:
        return _("No unmapped operator's e-mail matches a Bitrix24 user's; nothing to propose.")
    return ngettext(
        "Proposed %(num)d operator by e-mail: check the choice and press Save.",
        "Proposed %(num)d operators by e-mail: check the choices and press Save.",
        len(found),
    )


def _sync_connector(data: dict, ctx, pressed: set) -> str | None:
    """Activate or deactivate our Open Lines connector to follow the Common tab."""
    from ..connector import sync

    problem = sync(ctx.portal, ctx.stored["common"], data)
    return _("Settings saved.") + " " + problem if problem else None


SPECS = {
    "common": Spec(
        True,
        False,
        common,
        lambda data, ctx: rules.common_errors(data, ctx.stored["common"], ctx.stored["tags"]),
        after=_sync_connector,
    ),
    "tags": Spec(
        False, True, tags, lambda data, ctx: rules.tags_errors(data, ctx.stored["common"])
    ),
    "analytics": Spec(True, False, analytics),
    "fields": Spec(True, True, fields),
    "operators": Spec(True, True, operators, propose=_match),
    "crm": Spec(True, True, crm),
    "access": Spec(True, False, access),
}
