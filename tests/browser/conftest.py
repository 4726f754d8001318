"""Chromium (Debian's binary, via Playwright) against the sandbox, third-party cookies blocked."""

import os
import shutil

import pytest

from tests.browser.ui import VIEWPORT, WAIT_MS, app_cookies, app_frame, new_portal_name
from tests.e2e import helpers

# Chromium's own switch for "block third-party cookies"; a probe below proves it took effect.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--test-third-party-cookie-phaseout",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
COOKIE_PROBE = """async () => {
  document.cookie = "probe_3p=1; SameSite=None; Secure";
  document.cookie = "probe_chips=1; SameSite=None; Secure; Partitioned";
  return {cookie: document.cookie, access: await document.hasStorageAccess()};
}"""


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_path():
    path = _chromium()
    why = (
        "browser tests need a Chromium binary: apt-get install chromium "
        "(or set CHROMIUM_PATH); Playwright's own download is not used"
    )
    if path is None and os.environ.get("B24APP_REQUIRE_BROWSER") == "1":
        pytest.fail(why + " (B24APP_REQUIRE_BROWSER=1: CI never skips them)")
    if path is None:
        pytest.skip(why)
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    return path


@pytest.fixture(scope="session")
def browser_box(tmp_path_factory):
    """The sandbox trio on SQLite: one backend is enough for what the browser proves."""
    from flask_migrate import upgrade

    from b24app.sandbox.runner import start

    db = tmp_path_factory.mktemp("browser") / "b24app.sqlite3"
    box = start(
        config={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}",
            "B24_RATE": 500.0,
            "B24_BURST": 5000,
            "SECRET_KEY": "browser-test-secret",
        },
        c2d_retry_delays=(0.05, 0.1, 0.2),
    )
    with box.app.app_context():
        upgrade()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS, timeout=WAIT_MS * 2
        )
        yield chromium
        chromium.close()


def new_context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context


@pytest.fixture(scope="session")
def third_party_cookies_blocked(browser, browser_box):
    """Prove, in a throw-away context, that the app's frame cannot keep an unpartitioned cookie."""
    name = new_portal_name()
    helpers.installed_portal(browser_box, name)
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(browser_box.portal_url(name))
        probe = app_frame(page, browser_box).evaluate(COOKIE_PROBE)
    finally:
        context.close()
    assert "probe_3p" not in probe["cookie"], f"third-party cookies are NOT blocked: {probe}"
    assert not probe["access"], f"the app frame has storage access: {probe}"
    assert "probe_chips" in probe["cookie"], f"probe did not run in a cookie-capable frame: {probe}"
    return True


@pytest.fixture
def context(browser, browser_box, third_party_cookies_blocked):
    """A fresh browser profile per test; afterwards the app's host must hold no cookie at all."""
    context = new_context(browser)
    yield context
    leftover = app_cookies(context, browser_box)
    context.close()
    assert leftover == [], f"the app set cookies: {leftover}"


@pytest.fixture
def page(context):
    return context.new_page()
