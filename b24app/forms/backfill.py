"""The backfill form: a day; the view decides between the dry run and the start."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired


class BackfillForm(FlaskForm):
    since = DateField(
        _l("Dialogs closed since"),
        validators=[InputRequired(_l("Pick the first day (YYYY-MM-DD)."))],
        description=_l(
            "Dialogs closed in Chat2Desk on or after this day that have no lead or deal yet."
        ),
    )
