"""An operator answers in the sandbox portal's Open Lines chat; the client gets it in Chat2Desk."""

import pytest

from tests.browser import ui
from tests.e2e.ol_helpers import c2d_state, inbox, setup_portal

pytestmark = pytest.mark.browser


def test_operator_answers_from_the_sandbox_open_lines_chat(page, browser_box):
    box, name = browser_box, ui.new_portal_name()
    env = setup_portal(box, name)
    dialog_id = inbox(box, env, text="Is the grey sofa still available?")["dialog_id"]

    page.goto(f"{box.b24_url}/p/{name}/openlines")
    chat = page.locator(f"#chat-{dialog_id}")
    chat.get_by_text("Is the grey sofa still available?").wait_for()
    chat.locator('input[name="text"]').fill("Yes, it is in stock")
    chat.locator('button[type="submit"]').click()

    page.locator(f"#chat-{dialog_id} .msg.out").get_by_text("delivered").wait_for()
    sent = [m for m in c2d_state(box, env.c2d)["messages"] if m["client_id"] == env.client_id]
    assert sent[-1]["type"] == "to_client" and sent[-1]["text"] == "Yes, it is in stock"
