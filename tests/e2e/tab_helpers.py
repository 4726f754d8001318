"""CRM card tab steps: portal REST calls as the admin, the tab's entry and its forms."""

import re
from urllib.parse import parse_qs, urlsplit

import requests

from .helpers import TIMEOUT, c2d_control, control, post_entry
from .ol_helpers import c2d_state, configure, setup_portal

KIND_PLACEMENTS = {
    "lead": "CRM_LEAD_DETAIL_TAB",
    "deal": "CRM_DEAL_DETAIL_TAB",
    "contact": "CRM_CONTACT_DETAIL_TAB",
}


def world(box, name):
    """Installed, connected portal (Open Lines off) with the first seeded client's phone."""
    env = setup_portal(box, name, openlines=False)
    env.phone = env.client["client_phone"]
    return env


def b24(box, name, method, params=None, user_id=1):
    """One REST call to the fake portal with a fresh token of `user_id`."""
    payload = control(box, f"p/{name}/entry", {"user_id": user_id})
    url = payload["form"]["SERVER_ENDPOINT"].replace("/rest/", f"/p/{name}/rest/") + method
    body = {**(params or {}), "auth": payload["form"]["AUTH_ID"]}
    resp = requests.post(url, json=body, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text[:300]
    return resp.json()["result"]


def contact(box, name, phone, **fields):
    values = {"NAME": "Ivan", "PHONE": [{"VALUE": phone, "VALUE_TYPE": "WORK"}], **fields}
    return int(b24(box, name, "crm.contact.add", {"fields": values}))


def deal(box, name, **fields):
    return int(b24(box, name, "crm.deal.add", {"fields": {"TITLE": "Sofa", **fields}}))


def lead(box, name, phone=None, **fields):
    values = {"TITLE": "Lead", **fields}
    if phone:
        values["PHONE"] = [{"VALUE": phone, "VALUE_TYPE": "WORK"}]
    return int(b24(box, name, "crm.lead.add", {"fields": values}))


def open_tab(box, name, kind, entity_id, user_id=1, lang="en"):
    """Bitrix24's POST to the tab handler, then the page it redirects to: (token, response)."""
    payload = control(
        box,
        f"p/{name}/entry",
        {
            "user_id": user_id,
            "lang": lang,
            "placement": KIND_PLACEMENTS[kind],
            "options": {"ID": str(entity_id), "URI": f"/crm/{kind}/details/{entity_id}/"},
        },
    )
    resp = post_entry(box, "/crm/tab", payload)
    assert resp.status_code == 302, resp.text[:500]
    token = parse_qs(urlsplit(resp.headers["Location"]).query)["t"][0]
    return token, tab_page(box, token)


def tab_page(box, token):
    return requests.get(
        f"{box.app_url}/crm/tab", params={"t": token}, timeout=TIMEOUT, allow_redirects=False
    )


def csrf(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no csrf_token in the tab"
    return match.group(1)


def act(box, token, action, csrf_value=None, **fields):
    """POST one of the tab's forms as the browser does; returns the page after the redirect."""
    csrf_value = csrf_value or csrf(tab_page(box, token).text)
    body = {"t": token, "csrf_token": csrf_value, "action": action, **fields}
    resp = requests.post(
        f"{box.app_url}/crm/tab", data=body, timeout=TIMEOUT, allow_redirects=False
    )
    if resp.status_code != 302:
        return resp
    return tab_page(box, token)


def flash(html):
    found = re.findall(r'b24-alert b24-alert-(\w+)" role="status">([^<]*)<', html)
    return found[-1] if found else None


def dialog_of(box, env, client_id=None):
    """The client's dialog in the fake (found through its messages: the dialog view of
    `GET /dialogs/{id}` names no client)."""
    client_id = client_id or env.client_id
    data = c2d_state(box, env.c2d)
    dialog_id = next(m["dialog_id"] for m in data["messages"] if m["client_id"] == client_id)
    return next(d for d in data["dialogs"] if d["id"] == dialog_id)


def c2d_posts(box, env, path):
    log = c2d_control(box, "log", method="get", token=env.c2d)
    return [e for e in log if e["method"] != "GET" and e["path"].startswith(path)]


__all__ = ["configure", "c2d_state"]
