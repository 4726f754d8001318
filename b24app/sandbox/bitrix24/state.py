"""In-memory state of the fake Bitrix24: portals, tokens and logs under one lock."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .envelope import ApiError
from .seed import make_users

SCOPE = "bizproc,crm,im,imbot,imopenlines,imconnector,placement,user_basic"


@dataclass
class Token:
    """An access or refresh token bound to a portal and a user."""

    value: str
    member_id: str
    user_id: int
    expires: float


@dataclass
class Portal:
    """Everything one fake portal knows."""

    name: str
    member_id: str
    users: dict[int, dict[str, Any]]
    mode: int = 1
    lang: str = "en"
    application_token: str = field(default_factory=lambda: secrets.token_hex(16))
    installed: bool = False
    removed: bool = False
    app_version: int = 1
    app_status: str = "F"
    install_handler: str = ""
    refresh_count: int = 0
    ui_user_id: int = 1
    ui_lang: str = ""
    seq: dict[str, int] = field(default_factory=dict)
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    converted_leads: list[int] = field(default_factory=list)
    lead_add_calls: int = 0
    comments: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    bots: dict[int, dict[str, Any]] = field(default_factory=dict)
    bot_register_calls: list[str] = field(default_factory=list)
    bot_messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    robots: dict[str, dict[str, Any]] = field(default_factory=dict)
    robot_runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    offline_events: list[dict[str, Any]] = field(default_factory=list)
    operating: dict[str, list[list[float]]] = field(default_factory=dict)
    operating_cfg: dict[str, Any] = field(default_factory=lambda: {"limit": None, "cost": 0.0})
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    connector_lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    rate: dict[str, Any] = field(
        default_factory=lambda: {
            "rate": None,
            "burst": 50,
            "level": 0.0,
            "last": 0.0,
            "peak": 0.0,
            "rejected": 0,
        }
    )

    @property
    def domain(self) -> str:
        """The portal host as Bitrix24 sends it in DOMAIN."""
        return f"{self.name}.bitrix24.test"

    def next_id(self, kind: str) -> int:
        """Next integer id of a kind (deal, lead, notification…)."""
        self.seq[kind] = self.seq.get(kind, 0) + 1
        return self.seq[kind]

    def dump(self) -> dict[str, Any]:
        """JSON-able snapshot for the control API."""
        data = asdict(self)
        data["domain"] = self.domain
        data["settings_mode"] = self.mode
        data["openline_messages"] = [m for c in self.chats.values() for m in c["messages"]]
        data["users"] = list(self.users.values())
        for key in ("deals", "leads", "contacts", "bots"):
            data[key] = {str(k): v for k, v in data[key].items()}
        return data


class FakeState:
    """All portals and tokens of the fake; every mutation happens under `lock`."""

    def __init__(self, *, app_url: str, client_id: str, client_secret: str) -> None:
        self.lock = threading.RLock()
        self.app_url = app_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.token_ttl = 3600
        self.portals: dict[str, Portal] = {}
        self.names: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}

    def create_portal(
        self,
        name: str,
        *,
        mode: int = 1,
        lang: str = "en",
        users: Any = None,
        admin: dict | None = None,
    ) -> Portal:
        """Create (or reset) a portal with seeded users."""
        with self.lock:
            old = self.portals.get(self.names.get(name, ""))
            member_id = old.member_id if old else secrets.token_hex(16)
            if old:
                self.drop_tokens(member_id)
            portal = Portal(
                name=name,
                member_id=member_id,
                users=make_users(users, admin),
                mode=int(mode),
                lang=lang,
            )
            self.portals[member_id] = portal
            self.names[name] = member_id
            self.aliases = {k: v for k, v in self.aliases.items() if k != name}
            return portal

    def find(self, name: str) -> tuple[Portal | None, bool]:
        """Portal by path name; the flag says the name is an old (renamed) one."""
        with self.lock:
            if name in self.names:
                return self.portals[self.names[name]], False
            if name in self.aliases:
                return self.portals.get(self.aliases[name]), True
            return None, False

    def by_member(self, member_id: str) -> Portal | None:
        """Portal by member_id."""
        return self.portals.get(member_id)

    def rename(self, portal: Portal, new_name: str) -> None:
        """Rename a portal; the old name keeps redirecting."""
        with self.lock:
            self.names.pop(portal.name, None)
            self.aliases[portal.name] = portal.member_id
            self.aliases.pop(new_name, None)
            portal.name = new_name
            self.names[new_name] = portal.member_id

    def mint(self, portal: Portal, user_id: int) -> tuple[Token, Token]:
        """Fresh access and refresh tokens for a user of a portal."""
        with self.lock:
            now = time.time()
            access = Token(secrets.token_hex(24), portal.member_id, user_id, now + self.token_ttl)
            refresh = Token(secrets.token_hex(24), portal.member_id, user_id, now + 180 * 86400)
            self.access[access.value] = access
            self.refresh[refresh.value] = refresh
            return access, refresh

    def check(self, value: str | None) -> Token:
        """Validate an access token or raise the matching 401."""
        if not value:
            raise ApiError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        with self.lock:
            token = self.access.get(value)
            if token is None:
                raise ApiError(401, "invalid_token", "Unable to get application by token")
            portal = self.portals.get(token.member_id)
            if portal is None or portal.removed:
                raise ApiError(401, "invalid_token", "Unable to get application by token")
            if token.expires <= time.time():
                raise ApiError(401, "expired_token", "The access token provided has expired.")
            return token

    def rotate(self, refresh_value: str) -> tuple[Token, Token] | None:
        """Spend a refresh token and issue a new pair; None when it is unknown or used."""
        with self.lock:
            old = self.refresh.pop(refresh_value, None)
            portal = self.portals.get(old.member_id) if old else None
            if old is None or portal is None or portal.removed:
                return None
            portal.refresh_count += 1
            return self.mint(portal, old.user_id)

    def expire(self, member_id: str) -> int:
        """Make every access token of a portal expired; return how many."""
        with self.lock:
            hit = [t for t in self.access.values() if t.member_id == member_id]
            for token in hit:
                token.expires = time.time() - 1
            return len(hit)

    def drop_tokens(self, member_id: str) -> None:
        """Forget all tokens of a portal."""
        with self.lock:
            self.access = {k: t for k, t in self.access.items() if t.member_id != member_id}
            self.refresh = {k: t for k, t in self.refresh.items() if t.member_id != member_id}

    def record(self, portal: Portal, method: str, status: int, batch: list | None = None) -> None:
        """Append one request to the portal's log."""
        with self.lock:
            portal.log.append(
                {
                    "method": method,
                    "http_status": status,
                    "ts": time.time(),
                    "batch_cmds": batch or [],
                }
            )
