"""Drive the sandbox over HTTP as Bitrix24, Chat2Desk and an admin's browser would."""

import re
from urllib.parse import parse_qs, urlsplit

import requests

TIMEOUT = 20


def control(box, path: str, json=None, method: str = "post"):
    resp = requests.request(method, f"{box.b24_url}/_control/{path}", json=json, timeout=TIMEOUT)
    resp.raise_for_status()
    return resp.json()


def c2d_control(box, path: str, json=None, method: str = "post", token="sandbox-token"):
    resp = requests.request(
        method, f"{box.c2d_url}/_control/c/{token}/{path}", json=json, timeout=TIMEOUT
    )
    resp.raise_for_status()
    return resp.json()


def new_c2d_company(box) -> str:
    resp = requests.post(f"{box.c2d_url}/_control/companies", json={}, timeout=TIMEOUT)
    resp.raise_for_status()
    return resp.json()["token"]


def create_portal(box, name: str, **options) -> dict:
    return control(box, "portals", {"name": name, **options})


def entry(box, name: str, user_id: int = 1, lang: str = "en") -> dict:
    return control(box, f"p/{name}/entry", {"user_id": user_id, "lang": lang})


def post_entry(box, path: str, payload: dict, **overrides) -> requests.Response:
    """POST the iframe payload to the app as the portal page's form does."""
    query = dict(payload["query"])
    form = {**payload["form"], **overrides}
    return requests.post(
        box.app_url + path, params=query, data=form, timeout=TIMEOUT, allow_redirects=False
    )


def install(box, name: str, user_id: int = 1) -> requests.Response:
    return post_entry(box, "/install", entry(box, name, user_id))


def open_app(box, name: str, user_id: int = 1, lang: str = "en") -> str:
    """Open the app page and return the frame token from the redirect."""
    resp = post_entry(box, "/", entry(box, name, user_id, lang))
    assert resp.status_code == 302, resp.text[:500]
    return parse_qs(urlsplit(resp.headers["Location"]).query)["t"][0]


def installed_portal(box, name: str, **options) -> dict:
    info = create_portal(box, name, **options)
    resp = install(box, name)
    assert resp.status_code == 200, resp.text[:500]
    control(box, f"p/{name}/installed", {"installed": True})
    return info


def page(box, path: str, token: str, **params) -> requests.Response:
    return requests.get(
        box.app_url + path, params={"t": token, **params}, timeout=TIMEOUT, allow_redirects=False
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no csrf_token in the page"
    return match.group(1)


def submit(box, path: str, token: str, data: dict, csrf: str | None = None) -> requests.Response:
    """POST a settings form the way the browser does: t + csrf_token + fields."""
    if csrf is None:
        csrf = csrf_of(page(box, path, token).text)
    body = {"t": token, "csrf_token": csrf, **data}
    return requests.post(box.app_url + path, data=body, timeout=TIMEOUT, allow_redirects=False)


def connect(box, token: str, c2d_token: str = "sandbox-token") -> requests.Response:
    return submit(
        box, "/settings/connection", token, {"api_token": c2d_token, "api_url": box.c2d_api}
    )


def state(box, name: str) -> dict:
    return control(box, f"p/{name}/state", method="get")


def b24_log(box, name: str) -> list:
    return control(box, f"p/{name}/log", method="get")


def clear_b24_log(box, name: str) -> None:
    control(box, f"p/{name}/log", method="delete")


def portal_row(box, member_id: str):
    """The app's Portal row (tokens and connection loaded), usable after the session closes."""
    from sqlalchemy import select

    from b24app.extensions import db
    from b24app.models import Portal

    with box.app.app_context():
        portal = db.session.execute(
            select(Portal).filter_by(member_id=member_id)
        ).scalar_one_or_none()
        if portal is not None:
            portal.access_token  # noqa: B018 - load the deferred token group
            if portal.connection is not None:
                portal.connection.secret  # noqa: B018
        return portal


def final_status(box, answer: dict, timeout: float = 15.0) -> str:
    """The journal row's status once it left the queue: a webhook that found the portal's lane
    busy is answered `queued` and finished by the worker (CONTRACT §3)."""
    import time

    from b24app.extensions import db
    from b24app.models import Journal

    deadline = time.monotonic() + timeout
    status = answer.get("status")
    while status in ("queued", "processing") and time.monotonic() < deadline:
        time.sleep(0.05)
        with box.app.app_context():
            status = db.session.get(Journal, answer["journal_id"]).status
    return status


def drain(box, timeout: float = 15.0) -> None:
    """Wait until no journal row is due or being processed (the worker thread finishes what a
    busy lane queued); rows waiting for a later retry stay."""
    import time

    from b24app.journal.queue import portal_due

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with box.app.app_context():
            if not portal_due():
                return
        time.sleep(0.05)
    raise AssertionError("the queue did not drain")
