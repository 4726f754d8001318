"""The Chat2Desk tab inside the sandbox portal's deal page, in Chromium: reply and see it."""

from pathlib import Path

import pytest

from tests.browser import ui
from tests.e2e.ol_helpers import c2d_state, setup_portal
from tests.e2e.tab_helpers import contact, deal, dialog_of

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _open_the_tab(page, box, name, deal_id):
    page.goto(f"{box.b24_url}/p/{name}/crm/deal/details/{deal_id}/")
    with page.expect_navigation():
        page.locator('#detail-tabs a[data-placement="CRM_DEAL_DETAIL_TAB"]').click()
    return ui.app_frame(page, box)


def _reply(page, box, dialog_id, text):
    app = page.frame_locator(ui.FRAME)
    form = app.locator(f'#dialog-{dialog_id} form[data-action="reply"]')
    form.locator("textarea").fill(text)
    ui.navigate(page, box, form.locator('button[type="submit"]'))
    app.locator(f"#dialog-{dialog_id} .b24-msg-text", has_text=text).wait_for()
    return app


def _screenshot(page, box, name):
    ui.wait_fitted(page, box)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({**ui.VIEWPORT, "height": max(ui.VIEWPORT["height"], height)})
    try:
        page.screenshot(path=str(SCREENSHOTS / name))
    finally:
        page.set_viewport_size(ui.VIEWPORT)


def test_reply_from_the_deal_tab_in_english_and_russian(page, browser_box):
    box, name = browser_box, ui.new_portal_name()
    env = setup_portal(box, name, openlines=False)
    deal_id = deal(box, name, CONTACT_ID=contact(box, name, env.client["client_phone"]))
    dialog_id = dialog_of(box, env)["id"]

    frame = _open_the_tab(page, box, name, deal_id)
    assert frame.locator("html").get_attribute("lang") == "en"
    app = _reply(page, box, dialog_id, "The sofa ships on Monday")
    assert "The message was sent to the client." in app.locator(".b24-alert-success").inner_text()
    _screenshot(page, box, "crm-tab.png")

    with page.expect_navigation():
        page.locator("#lang").select_option("ru")
    frame = _open_the_tab(page, box, name, deal_id)
    assert frame.locator("html").get_attribute("lang") == "ru"
    app = _reply(page, box, dialog_id, "Диван отправим в понедельник")
    assert "Сообщение отправлено клиенту." in app.locator(".b24-alert-success").inner_text()
    close = app.locator('form[data-action="close"] button').text_content()
    assert close.strip() == "Закрыть диалог"
    _screenshot(page, box, "crm-tab-ru.png")

    sent = [m["text"] for m in c2d_state(box, env.c2d)["messages"] if m["type"] == "to_client"]
    assert sent[-2:] == ["The sofa ships on Monday", "Диван отправим в понедельник"]
