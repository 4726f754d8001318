"""The fake portal's card tabs, automation page and CRM form, over HTTP."""

import requests

from tests.e2e.helpers import TIMEOUT, state
from tests.e2e.tab_helpers import world


def test_new_contact_with_a_deal_opens_its_card_with_the_apps_tab(sandbox, portal_name):
    world(sandbox, portal_name)
    resp = requests.post(
        f"{sandbox.b24_url}/p/{portal_name}/crm/_ui/new",
        data={"name": "Maria", "phone": "+34600111222", "deal": "1", "title": "Table"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200 and "Deal #" in resp.text
    data = state(sandbox, portal_name)
    [deal] = data["deals"].values()
    [contact] = [c for c in data["contacts"].values() if c["NAME"] == "Maria"]
    assert str(deal["CONTACT_ID"]) == str(contact["ID"]) and deal["TITLE"] == "Table"
    assert 'data-placement="CRM_DEAL_DETAIL_TAB"' in resp.text
    tab = requests.get(resp.url, params={"tab": "0"}, timeout=TIMEOUT)
    assert 'name="PLACEMENT" value="CRM_DEAL_DETAIL_TAB"' in tab.text
    assert f"&#34;ID&#34;: &#34;{deal['ID']}&#34;" in tab.text  # PLACEMENT_OPTIONS {"ID": …}
    assert "/crm/tab?" in tab.text


def test_the_automation_page_runs_the_robot_and_shows_the_answer(sandbox, portal_name):
    world(sandbox, portal_name)
    requests.post(
        f"{sandbox.b24_url}/p/{portal_name}/crm/_ui/new",
        data={"name": "Ivan", "phone": "+79161234567", "deal": "1"},
        timeout=TIMEOUT,
    )
    [deal_id] = state(sandbox, portal_name)["deals"]
    page = requests.get(f"{sandbox.b24_url}/p/{portal_name}/automation", timeout=TIMEOUT)
    assert 'id="robot-c2d_send_message"' in page.text
    done = requests.post(
        f"{sandbox.b24_url}/p/{portal_name}/automation/run",
        data={"code": "c2d_send_message", "document": f"deal:{deal_id}", "text": "Ready!"},
        timeout=TIMEOUT,
    )
    assert done.status_code == 200
    assert "status: sent" in done.text and "message_id: " in done.text
