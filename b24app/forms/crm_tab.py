"""The CRM card tab's forms: one per action, each with a hidden `action` (CONTRACT §3)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from .fields import LiveSelectField

TEXT = {
    "validators": [InputRequired(_l("Write the message first.")), Length(max=4000)],
    "render_kw": {"rows": 3},
}


class _DialogForm(FlaskForm):
    action = HiddenField()
    dialog_id = HiddenField(validators=[InputRequired()])


class ReplyForm(_DialogForm):
    text = TextAreaField(_l("Reply to the client"), **TEXT)


class TagAddForm(_DialogForm):
    tag_id = LiveSelectField(_l("Add a tag"))


class TagRemoveForm(_DialogForm):
    tag_id = LiveSelectField(_l("Remove a tag"))


class StateForm(_DialogForm):
    """Close or reopen: nothing but the dialog."""


class AssignForm(_DialogForm):
    operator_id = LiveSelectField(_l("Assign to operator"))


class WriteFirstForm(FlaskForm):
    action = HiddenField()
    channel_id = LiveSelectField(_l("Channel"))
    transport = LiveSelectField(_l("Messenger"))
    text = TextAreaField(_l("First message"), **TEXT)


FORMS = {
    "reply": ReplyForm,
    "tag_add": TagAddForm,
    "tag_remove": TagRemoveForm,
    "close": StateForm,
    "reopen": StateForm,
    "assign": AssignForm,
    "write_first": WriteFirstForm,
}
