"""Settings tabs: frame token, CSRF, portal isolation, request budget, match by e-mail."""

import re

import pytest
import requests

from .helpers import (
    TIMEOUT,
    clear_b24_log,
    control,
    csrf_of,
    installed_portal,
    open_app,
    page,
    submit,
)
from .settings_helpers import batches, forget_lists, ready, save, selected, stored

DEAL_STRING = "UF_CRM_1700000001"  # "Chat2Desk client ID", string


@pytest.fixture
def admin(sandbox, portal_name):
    """A connected portal and an admin's frame token."""
    return ready(sandbox, portal_name)


# --- frame token and CSRF -----------------------------------------------------------------

TABS = ("common", "tags", "analytics", "fields", "operators", "crm")


@pytest.mark.parametrize("tab", TABS)
def test_post_without_token_or_csrf_or_with_foreign_csrf_is_refused(
    sandbox, portal_name, admin, tab
):
    before = stored(sandbox, portal_name, tab)
    body = {
        "dialog_links": "bitrix24",
        "tag_mode": "ignore",
        "channel_1": "none",
        "user_1": "1",
        "deal_cf_1": DEAL_STRING,
        "deal_utm_source": "UTM_SOURCE",
    }
    url = f"{sandbox.app_url}/settings/{tab}"
    csrf = csrf_of(page(sandbox, f"/settings/{tab}", admin).text)
    other = open_app(sandbox, portal_name, lang="es")  # another frame token, same portal
    assert other != admin
    foreign = csrf_of(page(sandbox, f"/settings/{tab}", other).text)
    attempts = [
        {"csrf_token": csrf, **body},
        {"t": admin, **body},
        {"t": admin, "csrf_token": foreign, **body},
    ]
    for data in attempts:
        resp = requests.post(url, data=data, timeout=TIMEOUT, allow_redirects=False)
        assert resp.status_code in (400, 401, 403), data.keys()
    assert stored(sandbox, portal_name, tab) == before


def test_portals_never_see_each_others_settings(sandbox, portal_name, admin):
    assert save(sandbox, admin, "common", {"dialog_links": "bitrix24"}).status_code == 302
    assert save(sandbox, admin, "crm", {"channel_1": "none"}).status_code == 302
    other = portal_name + "b"
    token_b = ready(sandbox, other)
    assert selected(page(sandbox, "/settings/common", token_b).text, "dialog_links") == [
        "chat2desk"
    ]
    assert selected(page(sandbox, "/settings/crm", token_b).text, "channel_1") == ["default"]
    assert (
        save(
            sandbox, token_b, "common", {"notify_incoming": "y", "dialog_links": "chatwoot"}
        ).status_code
        == 200
    )
    assert save(sandbox, token_b, "crm", {"channel_1": "deal:2"}).status_code == 302
    assert stored(sandbox, portal_name, "crm") == {
        "channel_1": "none",
        "channel_2": "default",
        "channel_3": "default",
    }
    assert stored(sandbox, other, "crm")["channel_1"] == "deal:2"
    resp = submit(
        sandbox,
        "/settings/crm",
        token_b,
        {"channel_1": "lead"},
        csrf=csrf_of(page(sandbox, "/settings/crm", admin).text),
    )
    assert resp.status_code == 400
    assert stored(sandbox, other, "crm")["channel_1"] == "deal:2"


# --- performance ----------------------------------------------------------------------------


@pytest.mark.parametrize("tab", TABS)
def test_cold_render_is_one_batch_and_warm_render_makes_no_request(
    sandbox, portal_name, admin, tab
):
    forget_lists(sandbox, portal_name)
    clear_b24_log(sandbox, portal_name)
    assert page(sandbox, f"/settings/{tab}", admin).status_code == 200
    log = [e for e in control(sandbox, f"p/{portal_name}/log", method="get")]
    needs_b24 = tab != "tags"
    assert len(log) == len(batches(sandbox, portal_name)) == (1 if needs_b24 else 0)
    clear_b24_log(sandbox, portal_name)
    assert page(sandbox, f"/settings/{tab}", admin).status_code == 200
    assert control(sandbox, f"p/{portal_name}/log", method="get") == []


def test_refresh_lists_loads_them_again(sandbox, portal_name, admin):
    page(sandbox, "/settings/common", admin)
    clear_b24_log(sandbox, portal_name)
    resp = submit(
        sandbox,
        "/settings/common/refresh",
        admin,
        {},
        csrf=csrf_of(page(sandbox, "/settings/common", admin).text),
    )
    assert resp.status_code == 302
    html = page(sandbox, "/settings/common", admin).text
    assert "The lists were loaded again" in html
    assert len(batches(sandbox, portal_name)) == 1


# --- operators: match by e-mail -------------------------------------------------------------


def test_match_by_email_fills_only_unmapped_rows(sandbox, portal_name):
    # Chat2Desk seed: op 1 admin@example.com, op 5 anna.petrova@example.com; the Bitrix24 seed
    # has the same e-mails for users 1 and 2. Op 2's e-mail is given to user 5 here (upper case).
    admin = ready(sandbox, portal_name, users=[{"ID": 5, "EMAIL": "Maria.Supervisor@Example.com"}])
    assert "Match by e-mail" in page(sandbox, "/settings/operators", admin).text
    before = stored(sandbox, portal_name, "operators")
    resp = save(
        sandbox, admin, "operators", {"user_5": "4", "match_email": "1", "notify_assignment": "y"}
    )
    assert resp.status_code == 200  # proposed on the form, not saved
    assert "Proposed 2 operators by e-mail" in resp.text
    assert stored(sandbox, portal_name, "operators") == before
    picked = {}
    for name, options in re.findall(
        r'<select id="(user_\d+)"[^>]*>(.*?)</select>', resp.text, re.S
    ):
        chosen = re.search(r'<option selected value="(\d*)"', options)
        picked[name] = chosen.group(1) if chosen else ""
    assert (picked["user_1"], picked["user_2"], picked["user_5"]) == ("1", "5", "4")
    resp = save(sandbox, admin, "operators", {**picked, "notify_assignment": "y"})
    assert resp.status_code == 302  # Save saves what was proposed
    saved = stored(sandbox, portal_name, "operators")
    assert (saved["user_1"], saved["user_2"], saved["user_5"]) == ("1", "5", "4")
    assert saved["user_3"] == saved["user_4"] == ""


# --- reachability and read-only -------------------------------------------------------------


def test_tabs_without_chat2desk_point_to_the_connection_tab(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    for tab in ("tags", "fields", "operators", "crm"):
        resp = page(sandbox, f"/settings/{tab}", token)
        assert resp.status_code == 200 and 'id="needs-connection"' in resp.text
        assert "/settings/connection?t=" in resp.text
        assert save(sandbox, token, tab, {"tag_mode": "ignore"}).status_code == 200


def test_bitrix24_failure_is_a_readable_alert(sandbox, portal_name, admin):
    forget_lists(sandbox, portal_name)
    control(sandbox, f"p/{portal_name}/faults", {"method": "batch", "kind": "500", "count": 5})
    resp = page(sandbox, "/settings/crm", admin)
    assert resp.status_code == 200
    assert "Bitrix24 could not be reached to load the lists" in resp.text
    control(sandbox, f"p/{portal_name}/faults", method="delete")


def test_employee_sees_every_tab_read_only_and_cannot_save(sandbox, portal_name, admin):
    employee = open_app(sandbox, portal_name, user_id=2)
    for tab in TABS:
        html = page(sandbox, f"/settings/{tab}", employee).text
        assert "only Bitrix24 administrators can edit" in html
        assert "<select disabled" in html and "Refresh lists" not in html
    before = stored(sandbox, portal_name, "common")
    resp = submit(sandbox, "/settings/common", employee, {"dialog_links": "bitrix24"})
    assert resp.status_code == 403
    assert stored(sandbox, portal_name, "common") == before
