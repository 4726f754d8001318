"""Method registry: REST method name → handler(ctx, params)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .envelope import ApiError
from .state import FakeState, Portal

Handler = Callable[["Ctx", dict[str, Any]], Any]
METHODS: dict[str, Handler] = {}


@dataclass
class Ctx:
    """Who calls which portal, and where the fake is reachable."""

    state: FakeState
    portal: Portal
    user_id: int
    token: str
    base: str

    @property
    def user(self) -> dict[str, Any]:
        """The token owner's user record."""
        return self.portal.users.get(self.user_id, {})

    @property
    def is_admin(self) -> bool:
        """Whether the token owner is a portal admin."""
        return bool(self.user.get("ADMIN"))

    def client_endpoint(self) -> str:
        """REST base of this portal."""
        return f"{self.base}/p/{self.portal.name}/rest/"


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more method names."""

    def wrap(fn: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = fn
        return fn

    return wrap


def dispatch(ctx: Ctx, name: str, params: dict[str, Any]) -> Any:
    """Run one method or raise ERROR_METHOD_NOT_FOUND."""
    handler = METHODS.get(name.lower())
    if handler is None:
        raise ApiError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    return handler(ctx, params)


def require(params: dict[str, Any], *names: str) -> None:
    """Raise ERROR_ARGUMENT when a required parameter is empty."""
    for name in names:
        if params.get(name) in (None, "", [], {}):
            raise ApiError(400, "ERROR_ARGUMENT", f"Argument '{name}' is null or empty")
