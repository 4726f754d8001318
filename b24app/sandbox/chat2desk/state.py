"""In-memory store of the fake Chat2Desk: companies keyed by API token, guarded by one lock."""

import secrets
import threading
import time

from b24app.sandbox.chat2desk import events, seed
from b24app.sandbox.chat2desk.clock import c2d_time, event_time, unix_time
from b24app.sandbox.chat2desk.delivery import deliver

__all__ = ["DEFAULT_TOKEN", "Company", "FakeChat2Desk", "c2d_time", "event_time", "unix_time"]

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_NAME = "Sandbox Furniture Co"
_FIRST_IDS = {
    "company": 1,
    "client": 101,
    "dialog": 501,
    "request": 9001,
    "message": 70001,
    "webhook": 1,
    "analytics": 1,
}


class Company:
    """One Chat2Desk company: its reference data, conversations, webhooks and request log."""

    def __init__(self, token: str, company_id: int, name: str):
        self.token = token
        self.company_id = company_id
        self.name = name
        records = seed.base_records()
        self.operators: dict[int, dict] = records["operators"]
        self.channels: dict[int, dict] = records["channels"]
        self.tags: dict[int, dict] = records["tags"]
        self.custom_fields: dict[int, dict] = records["custom_fields"]
        self.clients: dict[int, dict] = {}
        self.dialogs: dict[int, dict] = {}
        self.requests: dict[int, dict] = {}
        self.messages: dict[int, dict] = {}
        self.web_analytics: dict[int, list[dict]] = {}
        self.webhooks: dict[int, dict] = {}
        self.hook_success: dict[int, float] = {}
        self.log: list[dict] = []
        self.faults: list[dict] = []
        self.fired: dict[str, int] = {}  # injected faults that really fired, per kind (tests)

    # --- lookups -------------------------------------------------------------------------
    def dialog_of(self, client_id: int) -> dict | None:
        """The client's dialog (one per client in the fake)."""
        return next((d for d in self.dialogs.values() if d["client_id"] == client_id), None)

    def transport_of(self, client: dict) -> str:
        """The client's messenger."""
        return client["channels"][0]["transports"][0]

    def dialog_messages(self, dialog_id: int) -> list[dict]:
        """Messages of a dialog in id order."""
        return [m for m in self.messages.values() if m["dialog_id"] == dialog_id]

    def dialog_view(self, dialog: dict) -> dict:
        """A dialog as `GET /dialogs/{id}` shows it."""
        msgs = self.dialog_messages(dialog["id"])
        return {**dialog, "last_message": msgs[-1] if msgs else None, "messages": len(msgs)}

    # --- mutations (callers hold the lock) -------------------------------------------------
    def open_dialog(self, client: dict, channel_id: int, operator_id, next_id) -> dict:
        """Open the client's dialog (creating it) with a fresh request when none is open."""
        dialog = self.dialog_of(client["id"])
        if dialog is None:
            dialog = {
                "id": next_id("dialog"),
                "state": "closed",
                "begin": c2d_time(),
                "end": "",
                "operator_id": operator_id,
                "channel_id": channel_id,
                "client_id": client["id"],
                "last_request_id": None,
            }
            self.dialogs[dialog["id"]] = dialog
        if dialog["state"] != "open":
            dialog.update(state="open", begin=c2d_time(), end="")
            self.new_request(dialog, next_id("request"))
        return dialog

    def new_request(self, dialog: dict, request_id: int) -> dict:
        """Start a request in the dialog, closing the previous one."""
        old = self.requests.get(dialog["last_request_id"])
        if old and old["state"] == "open":
            old.update(state="closed", closed=c2d_time())
        request = {
            "id": request_id,
            "dialog_id": dialog["id"],
            "client_id": dialog["client_id"],
            "channel_id": dialog["channel_id"],
            "operator_id": dialog["operator_id"],
            "state": "open",
            "tags": [],
            "created": c2d_time(),
            "closed": None,
        }
        self.requests[request_id] = request
        dialog["last_request_id"] = request_id
        return request

    def close_dialog(self, dialog: dict) -> None:
        """Close the dialog and its current request."""
        dialog.update(state="closed", end=c2d_time())
        request = self.requests.get(dialog["last_request_id"])
        if request and request["state"] == "open":
            request.update(state="closed", closed=c2d_time())

    def add_message(self, dialog: dict, kind: str, text, message_id: int, **extra) -> dict:
        """Store a message of `kind` (from_client, to_client, …) in the dialog's current request."""
        client = self.clients[dialog["client_id"]]
        msg = {
            "id": message_id,
            "text": text,
            "type": kind,
            "transport": self.transport_of(client),
            "read": 1 if kind != "from_client" else 0,
            "created": c2d_time(),
            "photo": None,
            "video": None,
            "audio": None,
            "pdf": None,
            "coordinates": None,
            "attachments": [],
            "remote_id": None,
            "recipient_status": "delivered" if kind == "to_client" else None,
            "status": "sent",
            "operator_id": dialog["operator_id"],
            "channel_id": dialog["channel_id"],
            "dialog_id": dialog["id"],
            "client_id": client["id"],
            "request_id": dialog["last_request_id"],
            "extra_data": {},
            "is_new": False,
        }
        msg.update(extra)
        self.messages[message_id] = msg
        if kind == "from_client":
            client["last_client_message"] = msg["created"]
        return msg


class FakeChat2Desk:
    """All fake companies plus delivery settings and the delivery log."""

    def __init__(self, *, retry_delays=(0.2, 1.0, 3.0), disable_after: float = 10.0):
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}
        self.deliveries: list[dict] = []
        self.retry_delays = tuple(retry_delays)
        self.disable_after = disable_after
        self.threads: list[threading.Thread] = []
        self._counters = dict(_FIRST_IDS)
        self.add_company(DEFAULT_TOKEN, DEFAULT_NAME)

    def next_id(self, kind: str) -> int:
        """Next id of `kind`, unique across companies like Chat2Desk's global ids."""
        with self.lock:
            value = self._counters[kind]
            self._counters[kind] = value + 1
            return value

    def add_company(self, token: str | None = None, name: str | None = None) -> Company:
        """Create (or return the existing) company for a token, with seed data."""
        with self.lock:
            token = token or "c2d-" + secrets.token_hex(8)
            if token in self.companies:
                return self.companies[token]
            company_id = self.next_id("company")
            company = Company(token, company_id, name or f"Company {company_id}")
            seed.seed_conversations(company, self.next_id)
            self.companies[token] = company
            return company

    def company(self, token: str | None) -> Company | None:
        """The company owning an API token, if any."""
        with self.lock:
            return self.companies.get(token or "")

    def find_dialog(self, dialog_id: int) -> tuple[Company, dict] | None:
        """Locate a dialog in any company (dialog ids are global)."""
        with self.lock:
            for company in self.companies.values():
                if dialog_id in company.dialogs:
                    return company, company.dialogs[dialog_id]
        return None

    def deliver(self, company: Company, payload: dict, *, sync: bool = False) -> list:
        """POST a payload to the company's subscribed webhooks (see `delivery.deliver`)."""
        return deliver(self, company, payload, sync=sync)

    def fire(self, company: Company, kind: str, overrides=None, *, sync: bool = True):
        """Generate event `kind` and deliver it; returns (payload, first-attempt statuses)."""
        return events.fire(self, company, kind, overrides, sync=sync)

    def record_delivery(self, entry: dict) -> None:
        """Append one delivery attempt to the log."""
        with self.lock:
            self.deliveries.append(entry)

    def start_thread(self, target, *args) -> threading.Thread:
        """Run background work (retries) in a daemon thread that tests can wait for."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self.lock:
            self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait for background deliveries to finish; False when some still run."""
        deadline = time.monotonic() + timeout
        with self.lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)
