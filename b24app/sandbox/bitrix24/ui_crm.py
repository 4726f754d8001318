"""The portal's CRM page forms: a new contact with a phone and a deal for it, as a user adds
them by hand in Bitrix24 (then the card's Chat2Desk tab can write first)."""

from __future__ import annotations

from flask import redirect, request, url_for

from . import crm_store
from .registry import Ctx
from .rest import base_url, get_state
from .ui import _portal, bp


@bp.post("/p/<name>/crm/_ui/new")
def crm_new(name: str):
    """A contact (name, phone) and, when asked, a deal with it; then the deal's card."""
    portal, state = _portal(name), get_state()
    person = request.form.get("name", "").strip() or "New client"
    phone = request.form.get("phone", "").strip()
    with state.lock:
        ctx = Ctx(state, portal, portal.ui_user_id, "", base_url())
        fields = {"NAME": person}
        if phone:
            fields["PHONE"] = [{"VALUE": phone, "VALUE_TYPE": "WORK"}]
        contact = crm_store.add(ctx, "contact", fields)
        if request.form.get("deal"):
            title = request.form.get("title", "").strip() or f"Deal with {person}"
            deal = crm_store.add(ctx, "deal", {"TITLE": title, "CONTACT_ID": contact})
            return redirect(url_for(".entity", name=portal.name, kind="deal", eid=deal))
    return redirect(url_for(".entity", name=portal.name, kind="contact", eid=contact))
