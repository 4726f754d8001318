"""Chat2Desk values → Bitrix24 field values by the field descriptor's type (CONTRACT §8 dates)."""

import re
from datetime import UTC, date, datetime

from ..phrases import gettext as _


class Unconvertible(ValueError):
    """The value cannot become the field's type; the text says why, in words."""


_TRUE = {"1", "y", "yes", "true", "on", "да", "sí", "si", "sim"}
_FALSE = {"0", "n", "no", "false", "off", "нет", "não", "nao"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)


def _text(value) -> str:
    return str(value).strip()


def to_string(value, descriptor: dict | None = None) -> str:
    """Any scalar as text."""
    return _text(value)


def to_number(value) -> float:
    """Numbers, and text like "1 500,50", "1,500.50" or "250000.50"."""
    if isinstance(value, bool):
        raise Unconvertible(_("'%(value)s' is not a number", value=value))
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f']", "", _text(value))
    if "," in text and "." in text:
        text = (
            text.replace(",", "")
            if text.rfind(".") > text.rfind(",")
            else text.replace(".", "").replace(",", ".")
        )
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise Unconvertible(_("'%(value)s' is not a number", value=value))
    return float(text)


def to_double(value, descriptor: dict | None = None) -> float:
    return to_number(value)


_CURRENCY = re.compile(r"[A-Z]{3}")


def to_money(value, descriptor: dict | None = None) -> str:
    """Money user fields take `amount|CURRENCY` (api-reference/crm/currency/index.md: "pass the
    amount and currency code in the format 100|USD"). The currency comes from the value
    ("300 RUB", "300|RUB"), else from the field's DEFAULT_VALUE (`300|USD`, userfield settings)."""
    text = _text(value).replace("|", " ")
    codes = _CURRENCY.findall(text.upper()) if not isinstance(value, int | float) else []
    amount = to_number(_CURRENCY.sub("", text.upper()).strip() if codes else value)
    default = str(((descriptor or {}).get("settings") or {}).get("DEFAULT_VALUE") or "")
    currency = codes[0] if codes else default.partition("|")[2].strip().upper()
    if not _CURRENCY.fullmatch(currency):
        raise Unconvertible(_("'%(value)s' names no currency", value=value))
    return f"{amount:g}|{currency}" if amount == int(amount) else f"{amount}|{currency}"


def to_integer(value, descriptor: dict | None = None) -> int:
    number = to_number(value)
    if number != int(number):
        raise Unconvertible(_("'%(value)s' is not a whole number", value=value))
    return int(number)


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return None


def to_date(value, descriptor: dict | None = None) -> str:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (a datetime's date part too) → `YYYY-MM-DD`."""
    text = _text(value)
    parsed = _parse_date(text) or _parse_date(text[:10])
    if parsed is None:
        try:
            parsed = _parse_datetime(text).date()
        except Unconvertible:
            raise Unconvertible(_("'%(value)s' is not a date", value=value)) from None
    return parsed.isoformat()


def _parse_datetime(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    for fmt in _DATETIME_FORMATS:
        if parsed is not None:
            break
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added below
        except ValueError:
            continue
    if parsed is None:
        day = _parse_date(text)
        if day is None:
            raise Unconvertible(_("'%(value)s' is not a date and time", value=text))
        parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_datetime(value, descriptor: dict | None = None) -> str:
    """Dates and times in the usual shapes (unix seconds too) → ISO 8601 with offset."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return _parse_datetime(_text(value)).isoformat()


def to_enumeration(value, descriptor: dict | None = None) -> str:
    """A list item by its label (any case), or by its id."""
    items = (descriptor or {}).get("items") or []
    wanted = _text(value).casefold()
    for item in items:
        if str(item.get("VALUE", "")).strip().casefold() == wanted:
            return str(item.get("ID"))
    for item in items:
        if str(item.get("ID")) == _text(value):
            return str(item.get("ID"))
    labels = ", ".join(str(i.get("VALUE")) for i in items)
    raise Unconvertible(
        _("'%(value)s' is not an item of the list (%(items)s)", value=value, items=labels)
    )


def to_boolean(value, descriptor: dict | None = None) -> int:
    """Yes/no in several languages → 1/0 (Bitrix24 boolean user fields)."""
    if isinstance(value, bool):
        return int(value)
    text = _text(value).casefold()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise Unconvertible(_("'%(value)s' is not yes or no", value=value))


def to_char(value, descriptor: dict | None = None) -> str:
    """Standard Y/N fields."""
    return "Y" if to_boolean(value) else "N"


CONVERTERS = {
    "string": to_string,
    "text": to_string,
    "url": to_string,
    "address": to_string,
    "integer": to_integer,
    "double": to_double,
    "money": to_money,
    "date": to_date,
    "datetime": to_datetime,
    "enumeration": to_enumeration,
    "boolean": to_boolean,
    "char": to_char,
}


def convert(value, descriptor: dict | None):
    """The value in the field's type; raises Unconvertible. Unknown types pass as text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Unconvertible(_("is empty"))
    if isinstance(value, list | dict):
        raise Unconvertible(_("'%(value)s' is not a single value", value=value))
    descriptor = descriptor or {}
    converted = CONVERTERS.get(str(descriptor.get("type")), to_string)(value, descriptor)
    return [converted] if descriptor.get("isMultiple") else converted
