"""Basic methods: app.info, users, events and placements."""

from __future__ import annotations

from typing import Any

from .envelope import ApiError, paginate, param
from .registry import Ctx, method
from .seed import KNOWN_EVENTS


@method("app.info")
def app_info(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Portal-side app.info."""
    portal = ctx.portal
    return {
        "ID": 17,
        "CODE": ctx.state.client_id,
        "VERSION": portal.app_version,
        "STATUS": portal.app_status,
        "INSTALLED": portal.installed,
        "PAYMENT_EXPIRED": "N",
        "DAYS": None,
        "LANGUAGE_ID": portal.lang,
        "LICENSE": f"{portal.lang}_project",
        "LICENSE_TYPE": "project",
        "LICENSE_FAMILY": "project",
    }


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """A user record without the private ADMIN flag."""
    return {k: v for k, v in user.items() if k != "ADMIN"}


@method("user.admin")
def user_admin(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Whether the token owner is an admin."""
    return ctx.is_admin


@method("user.current")
def user_current(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """The token owner's profile."""
    return public_user(ctx.user)


@method("profile")
def profile(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Short profile with the ADMIN flag."""
    u = ctx.user
    return {
        "ID": u.get("ID"),
        "ADMIN": bool(u.get("ADMIN")),
        "NAME": u.get("NAME"),
        "LAST_NAME": u.get("LAST_NAME"),
        "PERSONAL_GENDER": u.get("PERSONAL_GENDER", ""),
        "TIME_ZONE": u.get("TIME_ZONE", ""),
    }


def _truthy(value: Any) -> bool:
    """Bitrix-style boolean parameter."""
    return str(value).lower() in ("y", "true", "1")


def _user_matches(user: dict[str, Any], flt: dict[str, Any]) -> bool:
    """Apply a user.get FILTER (ID, EMAIL, ACTIVE, NAME, LAST_NAME)."""
    for key, want in flt.items():
        field = key.upper().lstrip("=@")
        if field == "ACTIVE":
            if bool(user.get("ACTIVE")) != _truthy(want):
                return False
        elif field in ("ID", "EMAIL", "NAME", "LAST_NAME", "USER_TYPE"):
            wanted = want if isinstance(want, list) else [want]
            have = str(user.get(field, "")).lower()
            if have not in {str(w).lower() for w in wanted}:
                return False
    return True


@method("user.get")
def user_get(ctx: Ctx, params: dict[str, Any]):
    """Users, 50 per page, filterable by ID, EMAIL, ACTIVE."""
    flt = dict(param(params, "filter") or {})
    for key in ("ID", "EMAIL", "ACTIVE"):
        if key in params:
            flt[key] = params[key]
    rows = [public_user(u) for u in ctx.portal.users.values() if _user_matches(u, flt)]
    return paginate(rows, param(params, "start"))


def _event_name(params: dict[str, Any]) -> str:
    """Upper-cased `event` parameter."""
    return str(param(params, "event") or "").upper()


@method("event.bind")
def event_bind(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Bind a handler URL to an event."""
    event, handler = _event_name(params), str(param(params, "handler") or "")
    if event not in KNOWN_EVENTS:
        raise ApiError(400, "ERROR_EVENT_NOT_FOUND", "Event not found")
    offline = str(param(params, "event_type") or "online").lower() == "offline"
    if not handler:  # required for offline events too (event-bind.md: `handler*`)
        raise ApiError(400, "ERROR_ARGUMENT", "Argument 'handler' is null or empty")
    for bound in ctx.portal.events:
        if bound["event"] == event and bound["handler"] == handler:
            # a real portal answers a duplicate bind so (issue #12 item 5); the docs' own example
            # is ERROR_HANDLER_ALREADY_EXIST (error-codes.md) — the app accepts both
            raise ApiError(400, "ERROR_CORE", "Handler already binded")
    ctx.portal.events.append(
        {
            "id": ctx.portal.next_id("event"),
            "event": event,
            "handler": handler,
            "auth_type": str(param(params, "auth_type") or "0"),
            "offline": int(offline),
        }
    )
    return True


@method("event.get")
def event_get(ctx: Ctx, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Bound handlers."""
    return [
        {k: b[k] for k in ("event", "handler", "auth_type", "offline")} for b in ctx.portal.events
    ]


@method("event.unbind")
def event_unbind(ctx: Ctx, params: dict[str, Any]) -> dict[str, int]:
    """Unbind matching handlers; returns the count."""
    event, handler = _event_name(params), str(param(params, "handler") or "")
    keep = [
        b
        for b in ctx.portal.events
        if not (b["event"] == event and (not handler or b["handler"] == handler))
    ]
    count = len(ctx.portal.events) - len(keep)
    ctx.portal.events[:] = keep
    return {"count": count}


@method("placement.bind")
def placement_bind(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Bind a placement handler (admins only)."""
    if not ctx.is_admin:
        raise ApiError(403, "ACCESS_DENIED", "Access denied! Admin permissions required")
    code, handler = str(param(params, "PLACEMENT") or ""), str(param(params, "HANDLER") or "")
    if not code or not handler:
        raise ApiError(400, "ERROR_ARGUMENT", "Placement or handler is empty")
    # placement-get.md lists one handler bound twice to a placement: no refusal of a repeat
    ctx.portal.placements.append(
        {
            "placement": code,
            "userId": 0,
            "handler": handler,
            "options": param(params, "OPTIONS") or [],
            "title": param(params, "TITLE") or "",
            "description": param(params, "DESCRIPTION") or "",
            "langAll": param(params, "LANG_ALL") or [],
        }
    )
    return True


@method("placement.get")
def placement_get(ctx: Ctx, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Bound placements (admins only)."""
    if not ctx.is_admin:
        raise ApiError(403, "ACCESS_DENIED", "Access denied! Admin permissions required")
    return list(ctx.portal.placements)
