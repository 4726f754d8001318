"""CSP limits scripts to the app and the Bitrix24 API script; HSTS when PUBLIC_URL is https."""

import re

from tests.e2e.helpers import installed_portal, open_app, page


def _directives(csp: str) -> dict:
    return {p.split()[0]: p.split()[1:] for p in (x.strip() for x in csp.split(";")) if p}


def test_csp_on_every_page(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    for path in ("/settings/common", "/settings/connection", "/settings/journal", "/"):
        resp = page(sandbox, path, token)
        csp = _directives(resp.headers["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'", sandbox.app.config["BX24_JS_URL"]], path
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert "frame-ancestors" in csp
        assert "'unsafe-inline'" not in str(csp) and "'unsafe-eval'" not in str(csp)
        assert "Strict-Transport-Security" not in resp.headers  # PUBLIC_URL is http here
        # every script the page loads is one the policy allows; none is inline
        html = resp.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_hsts_when_public_url_is_https(app):
    resp = app.test_client().get("/healthz")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(resp.headers["Strict-Transport-Security"].split("=")[1]) >= 31536000
    assert "object-src 'none'" in resp.headers["Content-Security-Policy"]
