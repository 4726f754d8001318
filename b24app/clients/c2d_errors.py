"""Typed Chat2Desk API errors and the mapping from API answers to them."""

_AUTH_TEXTS = ("token is not correct", "you need to auth", "you have to specify your token")
_QUOTA_TEXTS = ("number of api requests exceeded", "api calls exceeded")
_NOT_FOUND_TEXTS = ("not_found", "not found")
_USED_TEXTS = ("already used", "already been used")


class Chat2DeskError(Exception):
    """A Chat2Desk call failed; carries the HTTP status, API message, field errors and path."""

    def __init__(self, message: str, *, status_code=None, errors=None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.errors = errors
        self.path = path

    def __str__(self) -> str:
        where = " ".join(str(part) for part in (self.status_code, self.path) if part)
        return f"{self.message} ({where})" if where else self.message


class Chat2DeskAuthError(Chat2DeskError):
    """The API token is missing or wrong."""


class Chat2DeskQuotaError(Chat2DeskError):
    """The company's API request quota is exhausted."""

    transient = True  # the journal retries it on its schedule


class Chat2DeskNotFoundError(Chat2DeskError):
    """The requested object or page does not exist."""


class Chat2DeskAlreadyUsedError(Chat2DeskError):
    """A webhook with this URL is already registered."""


class Chat2DeskUnavailableError(Chat2DeskError):
    """Transient failure: connection error, timeout or HTTP 5xx."""

    transient = True  # the journal retries it on its schedule


def _texts(message, errors) -> str:
    parts = [str(message or "")]
    if isinstance(errors, dict):
        parts += [str(v) for v in errors.values()]
    elif errors:
        parts.append(str(errors))
    return " ".join(parts).lower()


def _url_used(errors) -> bool:
    if not isinstance(errors, dict):
        return False
    text = str(errors.get("url") or "").lower()
    return any(word in text for word in _USED_TEXTS)


def error_class(status_code: int, message, errors) -> type[Chat2DeskError]:
    """Pick the typed error for an HTTP status plus the API's message and field errors."""
    if status_code >= 500:
        return Chat2DeskUnavailableError
    text = _texts(message, errors)
    if _url_used(errors) or (any(w in text for w in _USED_TEXTS) and "url" in text):
        return Chat2DeskAlreadyUsedError
    if status_code == 401 or any(w in text for w in _AUTH_TEXTS):
        return Chat2DeskAuthError
    if status_code == 429 or any(w in text for w in _QUOTA_TEXTS):
        return Chat2DeskQuotaError
    if status_code == 404 or any(w in text for w in _NOT_FOUND_TEXTS):
        return Chat2DeskNotFoundError
    return Chat2DeskError
