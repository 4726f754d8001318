"""The portal's Automation page: app robots run on a deal or lead, and their answers."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from .rest import base_url, get_state
from .ui import _page, _portal, bp


@bp.get("/p/<name>/automation")
def automation(name: str):
    """Run an app robot on a deal or lead; see what bizproc.event.send returned."""
    portal = _portal(name)
    runs = sorted(portal.robot_runs.items(), key=lambda kv: kv[1]["ts"], reverse=True)
    return _page(
        "automation.html",
        portal,
        "automation",
        robots=portal.robots,
        deals=portal.deals,
        leads=portal.leads,
        runs=runs[:30],
    )


@bp.post("/p/<name>/automation/run")
def automation_run(name: str):
    """Run the chosen robot as an automation rule would (bizproc/bizproc-robot/index.md)."""
    from .bizproc import run_robot

    portal = _portal(name)
    code = request.form.get("code", "")
    kind, _sep, eid = request.form.get("document", "").partition(":")
    if code not in portal.robots or kind not in ("deal", "lead") or not eid.isdigit():
        abort(400)
    props = {k: request.form.get(k, "") for k in ("text", "channel_id", "transport")}
    run_robot(get_state(), portal, base_url(), code, kind, int(eid), props, portal.ui_user_id)
    return redirect(url_for(".automation", name=portal.name))
