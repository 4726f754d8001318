"""Bitrix24 REST client: call, batch, pagination, token refresh, backoff and throttle."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from . import b24_pacing
from .http import DEFAULT_TIMEOUT, new_session, php_query

log = logging.getLogger(__name__)
BATCH_LIMIT = 50


class Bitrix24Error(Exception):
    """A Bitrix24 error answer, keyed by HTTP status and error code."""

    transient = False

    def __init__(self, code: str = "", description: str = "", *, status: int = 0, method=""):
        self.code, self.description, self.status, self.method = code, description, status, method
        super().__init__(f"{method or 'bitrix24'}: {code or status} {description}".strip())


class TransportError(Bitrix24Error):
    """No usable answer: connection refused, timeout, not JSON."""

    transient = True


class ServerError(Bitrix24Error):
    """HTTP 5xx from the portal (INTERNAL_SERVER_ERROR and friends)."""

    transient = True


class RateLimitError(Bitrix24Error):
    """HTTP 503 QUERY_LIMIT_EXCEEDED / OVERLOAD_LIMIT."""

    transient = True


class OperationTimeLimitError(Bitrix24Error):
    """HTTP 429 OPERATION_TIME_LIMIT: the method's time budget is spent."""

    transient = True

    def __init__(self, *args, reset_at: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reset_at = reset_at


class AuthError(Bitrix24Error):
    """The token is not accepted (401)."""


class ExpiredTokenError(AuthError):
    """HTTP 401 expired_token: refresh and retry once."""


class AccessDeniedError(Bitrix24Error):
    """HTTP 403: scope, permission or auth type."""


class NotFoundError(Bitrix24Error):
    """Unknown method, entity or owner."""


class ArgumentError(Bitrix24Error):
    """HTTP 400: the call's parameters were refused."""


class OAuthError(Bitrix24Error):
    """The OAuth server refused (invalid_grant, invalid_client, NOT_INSTALLED…)."""


_AUTH_CODES = {
    "invalid_token",
    "NO_AUTH_FOUND",
    "authorization_error",
    "ERROR_OAUTH",
    "APPLICATION_NOT_FOUND",
    "PAYMENT_REQUIRED",
    "INVALID_CREDENTIALS",
}
_DENIED_CODES = {"insufficient_scope", "ACCESS_DENIED", "WRONG_AUTH_TYPE", "user_access_error"}
_NOT_FOUND_CODES = {"ERROR_METHOD_NOT_FOUND", "NOT_FOUND", "OWNER_NOT_FOUND", "PORTAL_DELETED"}


def error_for(code: str, description: str = "", *, status: int = 0, method: str = ""):
    """Map a Bitrix24 error answer to its typed exception."""
    kw = {"status": status, "method": method}
    if code == "expired_token":
        cls = ExpiredTokenError
    elif code in ("QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT"):
        cls = RateLimitError
    elif code == "OPERATION_TIME_LIMIT":
        cls = OperationTimeLimitError
    elif code in _AUTH_CODES or status == 401:
        cls = AuthError
    elif code in _DENIED_CODES or status == 403:
        cls = AccessDeniedError
    elif code in _NOT_FOUND_CODES or status == 404 or "not found" in description.lower():
        cls = NotFoundError
    elif code in ("INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER") or status >= 500:
        cls = ServerError
    else:
        cls = ArgumentError
    return cls(code, description, **kw)


@dataclass
class BatchResult:
    """Outcome of a batch: results and typed errors per command key."""

    result: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    total: dict = field(default_factory=dict)
    next: dict = field(default_factory=dict)

    def raise_first(self) -> None:
        """Raise the first error, preferring transient ones so callers retry."""
        errs = sorted(self.errors.values(), key=lambda e: not e.transient)
        if errs:
            raise errs[0]


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


class Bitrix24Client:
    """One portal's REST API. Token upkeep and throttling come in as callables."""

    def __init__(
        self,
        endpoint: str,
        access_token: str,
        *,
        refresh: Callable[[str], str] | None = None,
        on_endpoint_change: Callable[[str], bool] | None = None,
        throttle: Callable[[], None] | None = None,
        session: requests.Session | None = None,
        timeout=DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.access_token = access_token
        self.refresh, self.on_endpoint_change, self.throttle = refresh, on_endpoint_change, throttle
        self.session = session or new_session()
        self.timeout, self.max_attempts, self.max_backoff = timeout, max_attempts, max_backoff
        self.sleep = sleep
        self.requests_made = 0
        self._batch_methods: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Bitrix24Client {self.endpoint}>"

    def call(self, method: str, params: dict | None = None):
        """Call one method and return its `result`."""
        return self.call_full(method, params)["result"]

    def call_full(self, method: str, params: dict | None = None) -> dict:
        """Call one method and return the whole envelope (result, total, next, time)."""
        refreshed = False
        for attempt in range(1, self.max_attempts + 1):
            try:
                wait = b24_pacing.wait_for(self.endpoint, method, params or {})
                if wait > self.max_backoff:
                    raise OperationTimeLimitError(
                        "OPERATION_TIME_LIMIT",
                        "paced",
                        status=429,
                        method=method,
                        reset_at=time.time() + wait,
                    )
                if wait:
                    self.sleep(wait)
                return self._post(method, params or {})
            except ExpiredTokenError:
                if refreshed or self.refresh is None:
                    raise
                self.access_token = self.refresh(self.access_token)
                refreshed = True
            except (RateLimitError, OperationTimeLimitError) as exc:
                delay = self._backoff(exc, attempt)
                if delay is None or attempt == self.max_attempts:
                    raise
                log.info("bitrix24 %s throttled (%s), retrying in %.1fs", method, exc.code, delay)
                self.sleep(delay)
        raise RateLimitError("QUERY_LIMIT_EXCEEDED", "retries exhausted", status=503, method=method)

    def _backoff(self, exc: Bitrix24Error, attempt: int) -> float | None:
        capped = min(self.max_backoff, 0.5 * 2 ** (attempt - 1))
        if isinstance(exc, OperationTimeLimitError):
            if exc.description == "paced":
                return None  # held back before sending: the journal retries at reset_at
            # the 429 body has no `time` block: the reset the last successful answer told (kept
            # on the error for the journal), and a capped backoff meanwhile (limits.md)
            exc.reset_at = exc.reset_at or b24_pacing.reset_at(self.endpoint, exc.method)
            if exc.reset_at is not None:
                return min(capped, max(exc.reset_at - time.time(), 0.5))
        return capped

    def _post(self, method: str, params: dict) -> dict:
        url = self.endpoint + method
        for _ in range(3):
            if self.throttle:
                self.throttle()
            self.requests_made += 1
            try:
                resp = self.session.post(
                    url,
                    json={**params, "auth": self.access_token},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                raise TransportError("TRANSPORT", type(exc).__name__, method=method) from None
            if resp.status_code in (301, 302, 307, 308) and resp.headers.get("Location"):
                url = self._follow(resp.headers["Location"], method)
                continue
            return self._envelope(resp, method)
        raise TransportError("TOO_MANY_REDIRECTS", "portal keeps redirecting", method=method)

    def _follow(self, location: str, method: str) -> str:
        """The portal was renamed: re-POST at the new endpoint once the callback confirms it."""
        base = location.split("?")[0]
        for suffix in (method + ".json", method):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        base = base if base.endswith("/") else base + "/"
        if self.on_endpoint_change is None or not self.on_endpoint_change(base):
            raise TransportError("REDIRECT_REFUSED", "unconfirmed redirect", method=method)
        self.endpoint = base
        return self.endpoint + method

    def _envelope(self, resp: requests.Response, method: str) -> dict:
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if resp.status_code >= 500:
                raise ServerError(
                    "", f"HTTP {resp.status_code}", status=resp.status_code, method=method
                )
            raise TransportError("BAD_ANSWER", f"HTTP {resp.status_code}, not JSON", method=method)
        if "error" in body and (resp.status_code >= 400 or "result" not in body):
            exc = error_for(
                str(body.get("error") or ""),
                str(body.get("error_description") or ""),
                status=resp.status_code,
                method=method,
            )
            if isinstance(exc, OperationTimeLimitError):
                exc.reset_at = _as_dict(body.get("time")).get("operating_reset_at")
            raise exc
        if resp.status_code >= 400:
            raise error_for("", f"HTTP {resp.status_code}", status=resp.status_code, method=method)
        b24_pacing.note_answer(self.endpoint, method, body, self._batch_methods)
        return body

    def batch(self, commands: dict[str, tuple[str, dict]], halt: bool = False) -> BatchResult:
        """Run commands in batches of 50; `$result[key]` chaining works within a chunk."""
        out = BatchResult()
        keys = list(commands)
        for start in range(0, len(keys), BATCH_LIMIT):
            chunk = keys[start : start + BATCH_LIMIT]
            cmd = {k: f"{commands[k][0]}?{php_query(commands[k][1])}" for k in chunk}
            self._batch_methods = {str(k): commands[k][0] for k in chunk}
            res = _as_dict(self.call("batch", {"halt": 1 if halt else 0, "cmd": cmd}))
            out.result.update(_as_dict(res.get("result")))
            out.total.update(_as_dict(res.get("result_total")))
            out.next.update(_as_dict(res.get("result_next")))
            for key, err in _as_dict(res.get("result_error")).items():
                err = _as_dict(err)
                method = commands.get(key, ("",))[0]
                out.errors[key] = error_for(
                    str(err.get("error") or ""),
                    str(err.get("error_description") or ""),
                    method=method,
                )
            if halt and out.errors:
                break
        return out

    def list_all(self, method: str, params: dict | None = None, limit: int = 10_000) -> list:
        """Every page of a list method (`start` = `next`), up to `limit` rows."""
        rows: list = []
        params = dict(params or {})
        while True:
            env = self.call_full(method, params)
            result = env.get("result")
            if isinstance(result, dict):
                result = next((v for v in result.values() if isinstance(v, list)), [])
            rows.extend(result or [])
            nxt = env.get("next")
            if not nxt or len(rows) >= limit:
                return rows
            params["start"] = nxt


def expires_at(expires_in) -> datetime | None:
    """Absolute expiry from a relative `expires_in`."""
    try:
        return datetime.fromtimestamp(time.time() + int(expires_in), UTC)
    except (TypeError, ValueError):
        return None
