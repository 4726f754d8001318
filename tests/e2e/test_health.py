"""The health page: green when installed and connected, red lines say what to do."""

from .helpers import c2d_control, connect, installed_portal, new_c2d_company, open_app, page


def test_health_page_green_then_red_when_webhook_removed(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    company = new_c2d_company(sandbox)
    connect(sandbox, token, c2d_token=company)
    html = page(sandbox, "/settings/health", token).text
    assert 'data-state="neutral"' in html and 'data-ok="0"' not in html  # no event yet: neutral
    assert "Bitrix24 events bound" in html and "Rate-limit headroom" in html
    c2d_control(sandbox, "events/new_request", {}, token=company)
    html = page(sandbox, "/settings/health", token).text
    assert html.count('data-ok="0"') == 0, html
    for hook in c2d_control(sandbox, "state", method="get", token=company)["webhooks"]:
        hook_id = hook["id"] if isinstance(hook, dict) else hook
        import requests

        requests.delete(
            f"{sandbox.c2d_api}/webhooks/{hook_id}", timeout=10, headers={"Authorization": company}
        )
    html = page(sandbox, "/settings/health", token).text
    assert "not found in Chat2Desk" in html and "Register it again" in html
