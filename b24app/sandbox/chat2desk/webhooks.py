"""Webhook subscriptions of the fake Chat2Desk API: at most 5 per company, unique URLs."""

from flask import g, request

from b24app.sandbox.chat2desk.api import bp, error, not_found, ok, state

MAX_WEBHOOKS = 5
EVENTS = {
    "inbox",
    "outbox",
    "outbox_status",
    "comment",
    "new_client",
    "new_request",
    "add_tag_to_client",
    "add_tag_to_request",
    "delete_tag_from_client",
    "delete_tag_from_request",
    "client_updated",
    "close_dialog",
    "close_request",
    "dialog_transferred",
    "client_added_to_blacklist",
    "new_ticket",
    "ticket_updated",
    "ticket_deleted",
    "imported_message",
    "operator_status_updated",
    "system_message",
}


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value) if isinstance(value, list | tuple) else [value]


def _field_errors(body: dict, partial: bool) -> dict:
    errors = {}
    url = body.get("url")
    if (not partial or "url" in body) and not str(url or "").startswith(("http://", "https://")):
        errors["url"] = ["is invalid"]
    if not partial or "events" in body:
        events = _as_list(body.get("events"))
        if not events or any(event not in EVENTS for event in events):
            errors["events"] = ["is invalid"]
    if "status" in body and body["status"] not in ("enable", "disable"):
        errors["status"] = ["is invalid"]
    try:
        [int(c) for c in _as_list(body.get("channels"))]
    except (TypeError, ValueError):
        errors["channels"] = ["is invalid"]
    return errors


def _url_taken(company, url: str, own_id=None) -> bool:
    return any(h["url"] == url and h["id"] != own_id for h in company.webhooks.values())


def _apply(hook: dict, body: dict) -> None:
    for key in ("name", "url", "status", "order"):
        if key in body:
            hook[key] = body[key]
    if "events" in body:
        hook["events"] = _as_list(body["events"])
    if "channels" in body:
        hook["channels"] = [int(c) for c in _as_list(body["channels"])]


def _body() -> dict:
    return request.get_json(silent=True) or request.values.to_dict()


@bp.get("/webhooks")
def list_webhooks():
    """All webhooks with their delivery errors."""
    with state().lock:
        hooks = [dict(h, errors=list(h["errors"])) for h in g.company.webhooks.values()]
    return ok(hooks, meta={"total": len(hooks), "limit": MAX_WEBHOOKS, "offset": 0})


@bp.post("/webhooks")
def create_webhook():
    """Register a webhook."""
    body, company = _body(), g.company
    errors = _field_errors(body, partial=False)
    if errors:
        return error("Validation failed", 400, errors)
    with state().lock:
        if _url_taken(company, body["url"]):
            return error("Url already used", 400, {"url": ["has already been used"]})
        if len(company.webhooks) >= MAX_WEBHOOKS:
            return error(f"Maximum number of webhooks is {MAX_WEBHOOKS}", 400)
        hook = {
            "id": state().next_id("webhook"),
            "name": body.get("name") or "",
            "url": "",
            "events": [],
            "status": "enable",
            "errors": [],
            "source": "api",
            "channels": [],
            "order": None,
        }
        _apply(hook, body)
        company.webhooks[hook["id"]] = hook
        return ok(dict(hook))


@bp.put("/webhooks/<int:webhook_id>")
def update_webhook(webhook_id: int):
    """Change a webhook."""
    body, company = _body(), g.company
    with state().lock:
        hook = company.webhooks.get(webhook_id)
        if hook is None:
            return not_found()
        errors = _field_errors(body, partial=True)
        if errors:
            return error("Validation failed", 400, errors)
        if "url" in body and _url_taken(company, body["url"], webhook_id):
            return error("Url already used", 400, {"url": ["has already been used"]})
        _apply(hook, body)
        return ok(dict(hook))


@bp.delete("/webhooks/<int:webhook_id>")
def delete_webhook(webhook_id: int):
    """Remove a webhook."""
    with state().lock:
        hook = g.company.webhooks.pop(webhook_id, None)
        g.company.hook_success.pop(webhook_id, None)
    return ok(hook, message="Webhook deleted") if hook else not_found()
