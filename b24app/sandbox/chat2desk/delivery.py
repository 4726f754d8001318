"""Webhook delivery like Chat2Desk's: POST JSON, retry failures, disable a failing hook."""

import json
import time

import requests

DELIVERY_TIMEOUT = (3.05, 10)
MAX_HOOK_ERRORS = 50
HEADERS = {"Content-Type": "application/json", "User-Agent": "Chat2Desk-Webhooks/1.0 (sandbox)"}


def subscribed(company, payload: dict) -> list[dict]:
    """Enabled webhooks of the company that want this payload's hook_type and channel."""
    hook_type = payload.get("hook_type")
    channel_id = payload.get("channel_id")
    hooks = []
    for hook in company.webhooks.values():
        if hook["status"] != "enable" or hook_type not in hook["events"]:
            continue
        if hook["channels"] and channel_id is not None and channel_id not in hook["channels"]:
            continue
        hooks.append(dict(hook))
    return hooks


def deliver(state, company, payload: dict, *, sync: bool = False) -> list:
    """Send a payload to every subscribed hook; with `sync` return first-attempt HTTP statuses."""
    with state.lock:
        hooks = subscribed(company, payload)
    body = json.dumps(payload, ensure_ascii=False)
    statuses = []
    for hook in hooks:
        if sync:
            first_try = time.time()
            status = attempt(state, company, hook, body, payload.get("hook_type"), 1)
            statuses.append(status)
            if not _ok(status):
                state.start_thread(retry_loop, state, company, hook, body, first_try)
        else:
            state.start_thread(_deliver_async, state, company, hook, body)
    return statuses


def _ok(status) -> bool:
    return status is not None and 200 <= status < 300


def _hook_type(body: str):
    try:
        return json.loads(body).get("hook_type")
    except (ValueError, AttributeError):
        return None


def attempt(state, company, hook: dict, body: str, hook_type, number: int):
    """POST once; log the attempt and record an error on the webhook when it fails."""
    error = None
    try:
        with requests.post(
            hook["url"], data=body.encode(), headers=HEADERS, timeout=DELIVERY_TIMEOUT
        ) as resp:
            status = resp.status_code
    except requests.RequestException as exc:
        status, error = None, f"{type(exc).__name__}: connection failed"
    if error is None and not _ok(status):
        error = f"Response code {status}"
    now = time.time()
    entry = {
        "token": company.token,
        "webhook_id": hook["id"],
        "url": hook["url"],
        "hook_type": hook_type,
        "attempt": number,
        "status": status,
        "error": error,
        "ts": now,
    }
    state.record_delivery(entry)
    with state.lock:
        live = company.webhooks.get(hook["id"])
        if error is None:
            company.hook_success[hook["id"]] = now
        elif live is not None:
            live["errors"].append({"text": f"{error} ({hook['url']})", "created_at": int(now)})
            del live["errors"][:-MAX_HOOK_ERRORS]
    return status


def _deliver_async(state, company, hook: dict, body: str) -> None:
    first_try = time.time()
    if not _ok(attempt(state, company, hook, body, _hook_type(body), 1)):
        retry_loop(state, company, hook, body, first_try)


def _still_enabled(state, company, hook_id) -> bool:
    with state.lock:
        live = company.webhooks.get(hook_id)
        return live is not None and live["status"] == "enable"


def retry_loop(state, company, hook: dict, body: str, first_failure: float) -> None:
    """Re-send after each of `retry_delays`; disable the hook after `disable_after` of failure."""
    hook_type = _hook_type(body)
    for number, delay in enumerate(state.retry_delays, start=2):
        time.sleep(delay)
        if not _still_enabled(state, company, hook["id"]):
            return
        if _ok(attempt(state, company, hook, body, hook_type, number)):
            return
    remaining = state.disable_after - (time.time() - first_failure)
    if remaining > 0:
        time.sleep(remaining)
    with state.lock:
        live = company.webhooks.get(hook["id"])
        if live is not None and company.hook_success.get(hook["id"], 0) < first_failure:
            live["status"] = "disable"
