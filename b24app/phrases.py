"""Words that remember how they were made: a message id with its parameters.

Flows write `_("Created %(entity)s.", entity=...)` as before, but get a `Phrase`: the text
in the current language (a `str`, so notifications and previews use it as is) that also
carries `data` — the message id and parameters. The journal stores `data`; the journal page
renders it again in the language of whoever reads it (STYLE habit 16).
"""

from typing import Any

from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext
from flask_babel.speaklater import LazyString


class Phrase(str):
    """Translated text plus `data`, the recipe to translate it again."""

    data: Any

    def __new__(cls, text: str, data: Any) -> "Phrase":
        obj = super().__new__(cls, text)
        obj.data = data
        return obj

    def __add__(self, other):
        return join("", [self, other])

    def __radd__(self, other):
        return join("", [other, self])


def encode(value) -> Any:
    """A parameter as stored: phrases by their recipe, everything else as plain data."""
    if isinstance(value, Phrase):
        return value.data
    if isinstance(value, LazyString):
        return {"m": value._args[0], "p": {k: encode(v) for k, v in value._kwargs.items()}}
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def gettext(msgid: str, **params) -> Phrase:
    return Phrase(_gettext(msgid, **params), {"m": msgid, "p": _encoded(params)})


def ngettext(singular: str, plural: str, num: int, **params) -> Phrase:
    text = _ngettext(singular, plural, num, **params)
    return Phrase(text, {"m": singular, "pl": plural, "n": num, "p": _encoded(params)})


def join(sep: str, parts) -> Phrase:
    """Like `sep.join(parts)`, keeping each part's recipe."""
    parts = list(parts)
    return Phrase(sep.join(str(p) for p in parts), {"j": sep, "parts": [encode(p) for p in parts]})


def _encoded(params: dict) -> dict:
    return {key: encode(value) for key, value in params.items()}


def render(data) -> str:
    """Text in the current language from stored `data` (old rows: plain text as it was)."""
    if data is None:
        return ""
    if not isinstance(data, dict):
        return str(data)
    if "j" in data:
        return str(data["j"]).join(render(part) for part in data.get("parts", []))
    params = {key: render_param(value) for key, value in (data.get("p") or {}).items()}
    try:
        if "pl" in data:
            return _ngettext(data["m"], data["pl"], int(data.get("n") or 0), **params)
        return _gettext(data["m"], **params)
    except (KeyError, TypeError, ValueError):  # a stored row older than its message's parameters
        return str(data.get("m", ""))


def render_param(value):
    return value if value is None or isinstance(value, int | float) else render(value)
