"""Select fields whose choices come from the view and that explain a refused value."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import ValidationError

NOT_OFFERED = _l("“%(value)s” is not one of the offered options. Refresh the lists.")


def _check(field, value) -> None:
    """Refuse a value the view marked as refused (with its reason) or did not offer."""
    if value in field.refused:
        raise ValidationError(str(field.refused[value]))
    if value not in {str(choice[0]) for choice in field.choices or []}:
        raise ValidationError(str(NOT_OFFERED) % {"value": value})


class _Live:
    """Choices set by the view; `refused` maps shown-but-not-allowed values to the reason."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [])
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, coerce=str, **kwargs)
        self.refused: dict[str, str] = {}


class LiveSelectField(_Live, SelectField):
    """A select of live choices."""

    def pre_validate(self, form):
        _check(self, "" if self.data is None else str(self.data))


class LiveMultiSelectField(_Live, SelectMultipleField):
    """A multiple select of live choices with the same refusal rules."""

    def pre_validate(self, form):
        for value in self.data or []:
            _check(self, str(value))
