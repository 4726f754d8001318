"""Sandbox page of the fake Chat2Desk: state overview and buttons that send webhooks."""

from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for

from b24app.sandbox.chat2desk.api import state
from b24app.sandbox.chat2desk.events import GENERATORS, UnknownObjectError, fire
from b24app.sandbox.chat2desk.state import DEFAULT_TOKEN

bp = Blueprint("c2d_ui", __name__)
FORM_KEYS = ("client_id", "dialog_id", "request_id", "operator_id", "tag_id", "text")


@bp.app_template_filter("clock")
def clock(ts) -> str:
    """Unix time as `HH:MM:SS` UTC."""
    return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M:%S") if ts else ""


def _company_or_404(token: str):
    company = state().company(token)
    if company is None:
        abort(404, f"No fake Chat2Desk company with token {token!r}")
    return company


@bp.get("/")
def index():
    """Overview of one company (`?token=`) with event buttons."""
    company = _company_or_404(request.args.get("token") or DEFAULT_TOKEN)
    fake = state()
    with fake.lock:
        deliveries = [d for d in fake.deliveries if d["token"] == company.token][-15:][::-1]
        context = {
            "company": company,
            "companies": list(fake.companies.values()),
            "clients": list(company.clients.values()),
            "dialogs": [company.dialog_view(d) for d in company.dialogs.values()],
            "webhooks": [dict(h, errors=h["errors"][-3:]) for h in company.webhooks.values()],
            "deliveries": deliveries,
            "done": request.args.get("done"),
        }
        return render_template("fake_c2d/index.html", **context)


def _value(key: str):
    raw = request.form[key]
    return int(raw) if key != "text" and raw.isdigit() else raw


@bp.post("/ui/<token>/event/<kind>")
def send_event(token: str, kind: str):
    """Run an event generator from a form, then redirect back to the page (PRG)."""
    company = _company_or_404(token)
    if kind not in GENERATORS:
        abort(404)
    overrides = {key: _value(key) for key in FORM_KEYS if request.form.get(key)}
    try:
        payload, statuses = fire(state(), company, kind, overrides, sync=True)
    except UnknownObjectError as exc:
        done = f"{kind}: {exc}"
    else:
        shown = ", ".join(f"HTTP {s}" if s else "connection error" for s in statuses)
        shown = f"the app's webhook answered {shown}" if shown else "no webhook is subscribed"
        dialog = payload.get("dialog_id")
        about = f" for dialog #{dialog}" if dialog else ""
        done = f"Sent {payload.get('hook_type')}{about}: {shown}."
    return redirect(url_for("c2d_ui.index", token=token, done=done))


@bp.get("/web/chat/my")
def dialog_page():
    """Transcript of a dialog; target of the sandbox's dialog links."""
    try:
        found = state().find_dialog(int(request.args.get("dialogID", "")))
    except ValueError:
        found = None
    if found is None:
        abort(404, "Dialog not found")
    company, dialog = found
    with state().lock:
        context = {
            "company": company,
            "dialog": company.dialog_view(dialog),
            "client": company.clients[dialog["client_id"]],
            "messages": company.dialog_messages(dialog["id"]),
            "operators": company.operators,
        }
        return render_template("fake_c2d/dialog.html", **context)
