"""The Chat2Desk connection form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField
from wtforms.validators import InputRequired, Length


class ConnectionForm(FlaskForm):
    """API token and region; the view fills `api_url` choices and checks the token live."""

    api_token = PasswordField(
        _l("Chat2Desk API token"),
        validators=[InputRequired(_l("Paste the API token from Chat2Desk.")), Length(max=200)],
        description=_l("In Chat2Desk: Settings → API → Show token. It is stored encrypted."),
        render_kw={"autocomplete": "off"},
    )
    api_url = SelectField(
        _l("Chat2Desk region"),
        choices=[],
        description=_l("The API address of your Chat2Desk account."),
    )
