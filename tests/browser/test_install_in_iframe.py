"""Install from the sandbox portal and connect Chat2Desk, all inside the cross-site iframe."""

import pytest

from tests.browser import ui
from tests.e2e import helpers

pytestmark = pytest.mark.browser


def test_install_connect_and_fit_without_cookies(page, context, browser_box):
    box, name = browser_box, ui.new_portal_name()
    helpers.create_portal(box, name)
    page.goto(box.portal_url(name))
    initial = page.evaluate(ui.INITIAL_HEIGHT)

    page.locator("#install").click()
    # installer page → BX24.installFinish() → portal marks the app installed and reloads as the app
    page.wait_for_url(box.portal_url(name))
    page.locator("#uninstall").wait_for()
    app = page.frame_locator(ui.FRAME)
    app.locator('.b24-tab.active[data-tab="connection"]').wait_for()
    frame = ui.app_frame(page, box)
    assert frame.url.startswith(f"{box.app_url}/settings/connection?t=")
    assert helpers.state(box, name)["installed"] is True

    region = ui.connect_chat2desk(page, box)
    assert region == box.c2d_api
    assert "Connected" in app.locator("h2").first.inner_text()

    fitted = ui.wait_fitted(page, box)
    assert fitted != initial, f"fitWindow left the frame at its initial {initial}px"
    assert ui.app_cookies(context, box) == []
    assert page.evaluate("() => document.cookie") == ""


def test_bx24_messages_reach_the_portal(page, browser_box):
    box, name = browser_box, ui.new_portal_name()
    helpers.installed_portal(box, name)
    page.goto(box.portal_url(name))
    frame = ui.app_frame(page, box)
    assert frame.evaluate("() => new Promise(ok => BX24.init(() => ok(BX24.getLang())))") == "en"

    page.evaluate(ui.RECORD_HEIGHTS)
    frame.evaluate("() => BX24.resizeWindow('100%', 777)")
    # the resize makes the app fit itself again (window "resize" → fitWindow), so 777 is brief
    page.wait_for_function("() => window.frameHeights.includes('777px')")
    ui.wait_fitted(page, box)

    frame.evaluate("() => BX24.setTitle('Renamed by the app')")
    page.wait_for_function("() => document.title === 'Renamed by the app'")

    frame.evaluate("() => BX24.openPath('/crm/')")
    page.wait_for_url(f"{box.portal_url(name)}crm/")
