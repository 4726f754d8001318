"""Chat2Desk REST API client: raw-token auth, envelope parsing, typed errors, safe retries."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from b24app.clients.c2d_actions import ActionsMixin
from b24app.clients.c2d_errors import (
    Chat2DeskAlreadyUsedError,
    Chat2DeskAuthError,
    Chat2DeskError,
    Chat2DeskNotFoundError,
    Chat2DeskQuotaError,
    Chat2DeskUnavailableError,
    error_class,
)
from b24app.clients.c2d_normalize import normalize_phone, operator_role, real_phone
from b24app.clients.http import new_session

__all__ = [
    "Chat2DeskAlreadyUsedError",
    "Chat2DeskAuthError",
    "Chat2DeskClient",
    "Chat2DeskError",
    "Chat2DeskNotFoundError",
    "Chat2DeskQuotaError",
    "Chat2DeskUnavailableError",
    "DEFAULT_BASE_URL",
    "REGIONS",
    "dialog_url",
    "normalize_phone",
    "operator_role",
    "real_phone",
    "web_host",
]

DEFAULT_BASE_URL = "https://api.chat2desk.com/v1"
REGIONS: list[tuple[str, str]] = [
    ("https://api.chat2desk.com/v1", "chat2desk.com (global)"),
    ("https://api.chat2desk.kz/v1", "chat2desk.kz"),
    ("https://api.chat2desk.com.mx/v1", "chat2desk.com.mx"),
    ("https://api.chat24.io/v1", "chat24.io"),
    # web.chat2desk.kg and web.chat2desk.by are confirmed by public code (sign-in pages and
    # userscripts that call them); their API hosts follow the api.<domain> pattern of .kz and
    # .com.mx — unconfirmed, so the connection's /companies/api_info check decides (issue #12)
    ("https://api.chat2desk.kg/v1", "chat2desk.kg"),
    ("https://api.chat2desk.by/v1", "chat2desk.by"),
]
PAGE_LIMIT = 200
_REGION_HOSTS = {urlsplit(base).hostname for base, _ in REGIONS}


def web_host(base_url: str) -> str:
    """Base of the web UI matching an API base (`https://web.chat2desk.com`, sandbox `…/web`)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host in _REGION_HOSTS:
        return "https://web." + host.removeprefix("api.")
    prefix = parts.path.rstrip("/").removesuffix("/v1")
    return f"{parts.scheme}://{parts.netloc}{prefix}/web"


def dialog_url(base_url: str, dialog_id) -> str:
    """Deep link to a dialog in the Chat2Desk web UI of the API's region."""
    return f"{web_host(base_url)}/chat/my?dialogID={dialog_id}"


def _mask(token: str) -> str:
    return f"{token[:2]}…{token[-2:]}" if len(token) > 8 else "***"


class Chat2DeskClient(ActionsMixin):
    """One company's Chat2Desk API, addressed with its token and regional base URL."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        session: requests.Session | None = None,
        timeout=(3.05, 15),
        retries: int = 2,
        sleep: Callable[[float], Any] = time.sleep,
    ):
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.session = session or new_session()
        self.timeout = timeout
        self.retries = max(0, retries)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Chat2DeskClient(base_url={self.base_url!r}, token={_mask(self._token)!r})"

    # --- transport -------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return text.replace(self._token, _mask(self._token)) if self._token else text

    def _send(self, method: str, path: str, params, body) -> requests.Response:
        headers = {"Authorization": self._token, "Accept": "application/json"}
        try:
            return self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,  # only the region host itself is ever called
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            raise Chat2DeskUnavailableError(
                self._scrub(f"Chat2Desk {kind}: {type(exc).__name__}"), path=path
            ) from None
        except requests.RequestException as exc:
            text = self._scrub(f"Chat2Desk request failed: {exc}")
            raise Chat2DeskError(text, path=path) from None

    def _call(self, method: str, path: str, *, params=None, body=None):
        """Send one call, retrying GETs on transient failures; return the parsed JSON body."""
        attempts = 1 + self.retries if method == "GET" else 1
        for attempt in range(attempts):
            try:
                return self._parse(self._send(method, path, params, body), path)
            except Chat2DeskUnavailableError:
                if attempt + 1 >= attempts:
                    raise
                self._sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, resp: requests.Response, path: str):
        code = resp.status_code
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict | list):
            snippet = self._scrub(" ".join(resp.text.split())[:120])
            snippet = snippet or "empty body"
            text = f"Chat2Desk returned a non-JSON response (HTTP {code}): {snippet}"
            cls = error_class(code, "", None)
            raise cls(text, status_code=code, path=path)
        if isinstance(body, list) and code < 400:
            return body
        if isinstance(body, dict) and code < 400 and self._ok(body):
            return body
        envelope = body if isinstance(body, dict) else {}
        message = self._scrub(str(envelope.get("message") or f"HTTP {code}"))
        errors = envelope.get("errors")
        cls = error_class(code, message, errors)
        raise cls(message, status_code=code, errors=errors, path=path)

    @staticmethod
    def _ok(body: dict) -> bool:
        status = body.get("status")
        if status is None:
            return "message" not in body and "errors" not in body
        return str(status).lower() in ("success", "ok")

    def _data(self, method: str, path: str, *, params=None, body=None):
        envelope = self._call(method, path, params=params, body=body)
        if isinstance(envelope, list) or "status" not in envelope:
            return envelope
        return envelope.get("data")

    def _list_all(self, path: str, params: dict | None = None, limit: int = PAGE_LIMIT) -> list:
        """Every page of a list endpoint, following `meta.total` and stopping on a short page."""
        items: list = []
        offset = 0
        while True:
            query = {**(params or {}), "limit": limit, "offset": offset}
            envelope = self._call("GET", path, params=query)
            page, meta = self._page(envelope, path)
            items.extend(page)
            offset += len(page)
            total = meta.get("total")
            page_limit = int(meta.get("limit") or limit)
            if not page or len(page) < min(limit, page_limit):
                return items
            if total is not None and offset >= int(total):
                return items

    @staticmethod
    def _page(envelope, path: str) -> tuple[list, dict]:
        if isinstance(envelope, list):
            return envelope, {}
        data = envelope.get("data")
        if data is None:
            data = []
        if not isinstance(data, list):
            raise Chat2DeskError("Chat2Desk returned a non-list page", path=path)
        return data, envelope.get("meta") or {}

    # --- reads -----------------------------------------------------------------------------
    def api_info(self) -> dict:
        """Company and quota info; a cheap token check."""
        return self._data("GET", "/companies/api_info")

    def channels(self) -> list[dict]:
        """All channels of the company."""
        return self._list_all("/channels")

    def operators(self) -> list[dict]:
        """All operators of the company."""
        return self._list_all("/operators")

    def tags(self) -> list[dict]:
        """All tags of the company."""
        return self._list_all("/tags")

    def custom_client_fields(self) -> list[dict]:
        """Definitions of the company's custom client fields."""
        return self._list_all("/custom_client_fields")

    def client(self, client_id) -> dict:
        """One client card."""
        return self._data("GET", f"/clients/{client_id}")

    def dialog(self, dialog_id) -> dict:
        """One dialog (state, operator, last request)."""
        return self._data("GET", f"/dialogs/{dialog_id}")

    def dialogs_page(self, state: str, offset: int, limit: int = PAGE_LIMIT) -> tuple[list, int]:
        """One page of `GET /dialogs?state=&order=desc` and `meta.total` (RA-Company/ctd)."""
        params = {"state": state, "order": "desc", "limit": limit, "offset": offset}
        page, meta = self._page(self._call("GET", "/dialogs", params=params), "/dialogs")
        return page, int(meta.get("total") or 0)

    def messages(self, dialog_id, order: str = "asc", limit: int = PAGE_LIMIT) -> list[dict]:
        """All messages of a dialog, every page."""
        params = {"dialog_id": dialog_id, "order": order}
        return self._list_all("/messages", params, limit=min(limit, PAGE_LIMIT))

    def recent_messages(self, limit: int = PAGE_LIMIT, offset: int = 0) -> list[dict]:
        """One page of the company's messages, newest first (`GET /messages?order=desc`)."""
        params = {"order": "desc", "limit": min(limit, PAGE_LIMIT), "offset": offset}
        page, _meta = self._page(self._call("GET", "/messages", params=params), "/messages")
        return page

    def request_messages(self, request_id) -> list[dict]:
        """Messages of one request (bare array with camelCase ids)."""
        data = self._data("GET", f"/requests/{request_id}/messages")
        return data if isinstance(data, list) else []

    def web_analytics(self, client_id) -> list[dict]:
        """Web-analytics rows (utm_*, click_time, …) of one client."""
        return self._list_all("/web_analytics_data", {"client_id": client_id})

    def webhooks(self) -> list[dict]:
        """The company's webhook subscriptions with their delivery errors."""
        data = self._data("GET", "/webhooks")
        return data if isinstance(data, list) else []

    # --- writes (never retried) --------------------------------------------------------------
    def create_webhook(
        self, *, name: str, url: str, events, channels=None, status: str = "enable"
    ) -> dict:
        """Register a webhook; raises Chat2DeskAlreadyUsedError for a taken URL."""
        body = {"name": name, "url": url, "events": list(events), "status": status}
        if channels is not None:
            body["channels"] = list(channels)
        return self._data("POST", "/webhooks", body=body)

    def update_webhook(self, webhook_id, **fields) -> dict:
        """Change a webhook's name, url, events, channels or status."""
        return self._data("PUT", f"/webhooks/{webhook_id}", body=fields)

    def delete_webhook(self, webhook_id):
        """Remove a webhook."""
        return self._data("DELETE", f"/webhooks/{webhook_id}")

    def send_message(
        self,
        client_id,
        text: str | None = None,
        *,
        channel_id=None,
        transport: str | None = None,
        attachment: str | None = None,
        attachment_filename: str | None = None,
        type: str = "to_client",
        open_dialog: bool | None = None,
        operator_id=None,
    ) -> dict:
        """Send a message to a client; returns `message_id`, `dialog_id`, `request_id`, …"""
        body = {
            "client_id": client_id,
            "text": text,
            "channel_id": channel_id,
            "transport": transport,
            "attachment": attachment,
            "attachment_filename": attachment_filename,
            "type": type,
            "open_dialog": open_dialog,
            "operator_id": operator_id,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return self._data("POST", "/messages", body=body)
