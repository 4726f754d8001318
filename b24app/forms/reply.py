"""The dialog page's reply box."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length


class ReplyForm(FlaskForm):
    """One text field; the view sends it to the client through Chat2Desk."""

    text = TextAreaField(
        _l("Reply to the client"),
        validators=[InputRequired(_l("Write the message first.")), Length(max=4000)],
        render_kw={"rows": 3},
    )
