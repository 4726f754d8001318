"""The six settings forms: static fields here, per-row selects added by `with_rows`."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional

from . import labels
from .fields import LiveMultiSelectField, LiveSelectField


class CommonForm(FlaskForm):
    """Notifications, Open Lines relay and dialog links."""

    notify_incoming = BooleanField(
        labels.NOTIFY_INCOMING,
        description=_l(
            "The app's bot notifies Bitrix24 users about each incoming Chat2Desk message."
        ),
    )
    openlines_enabled = BooleanField(
        labels.OPENLINES_ENABLED,
        description=_l(
            "Relay conversations into the chosen Open Line; operator replies go back to the client."
        ),
    )
    openline_id = LiveSelectField(labels.OPENLINE_ID)
    sign_group_phone = BooleanField(
        labels.SIGN_GROUP_PHONE,
        description=_l("In group chats each relayed message starts with the sender's phone."),
    )
    dialog_links = LiveSelectField(labels.DIALOG_LINKS)
    ol_sign_operator = BooleanField(
        labels.OL_SIGN_OPERATOR,
        description=_l("The Open Line shows who answered instead of “Operator (Chat2Desk)”."),
    )
    ol_wait_operator = BooleanField(
        labels.OL_WAIT_OPERATOR,
        description=_l(
            "Nothing reaches the line until the dialog has an operator; then the held "
            "messages follow in order."
        ),
    )
    ol_delivery_errors = BooleanField(
        labels.OL_DELIVERY_ERRORS,
        description=_l(
            "A message Chat2Desk could not deliver to the client is reported in the line."
        ),
    )


class TagsForm(FlaskForm):
    """Which dialogs reach Bitrix24, by tag."""

    tag_mode = LiveSelectField(
        labels.TAG_MODE,
        description=_l(
            "Reaching Bitrix24 means notifications, Open Lines relay and CRM entities on close."
        ),
    )
    tags = LiveMultiSelectField(
        labels.TAGS,
        description=_l(
            "Tags of the request or of the client. Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )
    send_previous_on_tag = BooleanField(
        labels.SEND_PREVIOUS_ON_TAG,
        description=_l(
            "When a request becomes acceptable by a tag, its earlier messages are relayed once."
        ),
    )


class AnalyticsForm(FlaskForm):
    """Analytics value → deal field and lead field (rows added per key)."""


class FieldsForm(FlaskForm):
    """Chat2Desk custom client field → deal field and lead field (rows added per field)."""


class OperatorsForm(FlaskForm):
    """Operator → Bitrix24 user (rows added per operator) and notification switches."""

    notify_assignment = BooleanField(labels.NOTIFY_ASSIGNMENT)
    show_client_name = BooleanField(labels.SHOW["show_client_name"])
    show_text = BooleanField(labels.SHOW["show_text"])
    show_dialog_id = BooleanField(labels.SHOW["show_dialog_id"])
    show_dialog_link = BooleanField(labels.SHOW["show_dialog_link"])
    show_entity_links = BooleanField(labels.SHOW["show_entity_links"])
    escalate_minutes = IntegerField(
        labels.ESCALATE_MINUTES,
        default=0,
        validators=[
            Optional(),
            NumberRange(0, 1440, _l("Between 0 (off) and 1440 minutes (one day).")),
        ],
        description=_l(
            "An incoming message nobody answered in time notifies the next step: operator → "
            "supervisors → administrators. 0 = off."
        ),
    )


class CrmForm(FlaskForm):
    """Chat2Desk channel → which CRM entity a closed dialog creates (rows added per channel)."""


class AccessForm(FlaskForm):
    """Who besides admins, mapped operators and the responsible uses the CRM card tab."""

    tab_access = LiveSelectField(
        labels.TAB_ACCESS,
        description=_l(
            "Administrators, mapped operators and the record's responsible person always may."
        ),
    )
    tab_users = LiveMultiSelectField(
        labels.TAB_USERS,
        description=_l(
            "Used when only listed users may. Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )


class RefreshForm(FlaskForm):
    """Only a CSRF token: the "Refresh lists" button."""


def with_rows(base: type[FlaskForm], rows: list[tuple[str, str, str]]) -> type[FlaskForm]:
    """A subclass of `base` with one select per (name, label, description) row, rows first."""
    attrs = {
        name: LiveSelectField(label, description=description) for name, label, description in rows
    }
    return type(base.__name__, (base,), attrs)


def values(form: FlaskForm) -> dict:
    """The form's data as a settings document (no CSRF token)."""
    empty = {"LiveSelectField": "", "LiveMultiSelectField": []}
    return {
        name: empty.get(field.type) if field.data is None else field.data
        for name, field in form._fields.items()
        if field.type not in ("CSRFTokenField", "SubmitField")
    }
