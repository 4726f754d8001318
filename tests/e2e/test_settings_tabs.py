"""The six settings tabs over HTTP against the sandbox fakes (issue 5)."""

import re

import pytest

from .helpers import (
    page,
)
from .settings_helpers import checked, ready, save, selected, store, stored

DEAL_STRING = "UF_CRM_1700000001"  # "Chat2Desk client ID", string
DEAL_DOUBLE = "UF_CRM_1700000002"  # "Budget", double
LEAD_STRING = "UF_CRM_1700000101"


@pytest.fixture
def admin(sandbox, portal_name):
    """A connected portal and an admin's frame token."""
    return ready(sandbox, portal_name)


def _open_lines_on(box, token):
    resp = save(
        box,
        token,
        "common",
        {
            "notify_incoming": "y",
            "openlines_enabled": "y",
            "openline_id": "1",
            "dialog_links": "chat2desk",
        },
    )
    assert resp.status_code == 302


# --- every field saves and reloads -------------------------------------------------------


def test_common_saves_and_reloads(sandbox, portal_name, admin):
    resp = save(
        sandbox,
        admin,
        "common",
        {
            "openlines_enabled": "y",
            "openline_id": "2",
            "sign_group_phone": "y",
            "dialog_links": "bitrix24",
        },
    )
    assert resp.status_code == 302
    saved = stored(sandbox, portal_name, "common")
    assert {k: v for k, v in saved.items() if not k.startswith(("ol_", "openline_"))} == {
        "notify_incoming": False,
        "openlines_enabled": True,
        "sign_group_phone": True,
        "dialog_links": "bitrix24",
    }
    assert saved["openline_id"] == "2"
    assert {k: v for k, v in saved.items() if k.startswith("ol_")} == dict.fromkeys(
        ("ol_sign_operator", "ol_wait_operator", "ol_delivery_errors"), False
    )
    routes = {k: v for k, v in saved.items() if k.startswith("openline_") and k != "openline_id"}
    assert routes and set(routes.values()) == {""}  # one blank line choice per channel
    html = page(sandbox, resp.headers["Location"].split("?")[0], admin).text
    assert "Settings saved." in html
    assert not checked(html, "notify_incoming") and checked(html, "sign_group_phone")
    assert selected(html, "openline_id") == ["2"] and selected(html, "dialog_links") == ["bitrix24"]


def test_tags_saves_and_reloads(sandbox, portal_name, admin):
    _open_lines_on(sandbox, admin)
    resp = save(
        sandbox,
        admin,
        "tags",
        {"tag_mode": "only_tagged", "tags": ["1", "3"], "send_previous_on_tag": "y"},
    )
    assert resp.status_code == 302
    assert stored(sandbox, portal_name, "tags") == {
        "tag_mode": "only_tagged",
        "tags": ["1", "3"],
        "send_previous_on_tag": True,
    }
    html = page(sandbox, "/settings/tags", admin).text
    assert selected(html, "tags") == ["1", "3"] and checked(html, "send_previous_on_tag")
    assert '<select id="tags" multiple name="tags">' in html


def test_analytics_saves_and_reloads(sandbox, portal_name, admin):
    data = {
        "deal_utm_source": "UTM_SOURCE",
        "deal_utm_all": DEAL_STRING,
        "lead_utm_all": LEAD_STRING,
        "deal_click_time": "UF_CRM_1700000005",
        "lead_client_id": LEAD_STRING,
    }
    assert save(sandbox, admin, "analytics", data).status_code == 302
    saved = stored(sandbox, portal_name, "analytics")
    assert {k: saved[k] for k in data} == data and saved["deal_utm_medium"] == ""
    html = page(sandbox, "/settings/analytics", admin).text
    for name, value in data.items():
        assert selected(html, name) == [value]


def test_fields_saves_and_reloads(sandbox, portal_name, admin):
    data = {"deal_cf_1": DEAL_STRING, "lead_cf_2": "OPPORTUNITY", "deal_cf_3": "BEGINDATE"}
    assert save(sandbox, admin, "fields", data).status_code == 302
    saved = stored(sandbox, portal_name, "fields")
    assert {k: saved[k] for k in data} == data and saved["lead_cf_1"] == ""
    assert set(saved) == {f"{e}_cf_{i}" for e in ("deal", "lead") for i in range(1, 6)}
    html = page(sandbox, "/settings/fields", admin).text
    assert selected(html, "lead_cf_2") == ["OPPORTUNITY"] and "Company" in html


def test_operators_saves_and_reloads(sandbox, portal_name, admin):
    data = {"user_3": "3", "user_2": "4", "show_client_name": "y", "show_dialog_link": "y"}
    assert save(sandbox, admin, "operators", data).status_code == 302
    saved = stored(sandbox, portal_name, "operators")
    assert saved["user_3"] == "3" and saved["user_2"] == "4" and saved["user_1"] == ""
    assert saved["notify_assignment"] is False and saved["show_text"] is False
    assert saved["show_client_name"] is True and saved["show_dialog_link"] is True
    html = page(sandbox, "/settings/operators", admin).text
    assert selected(html, "user_3") == ["3"] and not checked(html, "notify_assignment")
    assert "supervisor" in html and "ivan.operator@example.com" in html
    assert 'data-open-path="/company/personal/user/3/"' in html and 'target="_top"' in html


def test_crm_saves_and_reloads_in_classic_mode(sandbox, portal_name, admin):
    data = {"channel_1": "deal:1", "channel_2": "lead", "channel_3": "none"}
    assert save(sandbox, admin, "crm", data).status_code == 302
    assert stored(sandbox, portal_name, "crm") == data
    html = page(sandbox, "/settings/crm", admin).text
    assert selected(html, "channel_1") == ["deal:1"] and "WhatsApp Sales" in html
    assert "whatsapp" in html and "means: lead" in html and "Deal in “Wholesale”" in html


def test_crm_in_simple_mode_defaults_to_a_deal_and_refuses_lead(sandbox, portal_name):
    token = ready(sandbox, portal_name, mode=2)
    html = page(sandbox, "/settings/crm", token).text
    assert "deal in “General”" in html and 'value="lead"' not in html
    resp = save(sandbox, token, "crm", {"channel_1": "lead"})
    assert resp.status_code == 200 and "simple CRM mode" in resp.text
    assert stored(sandbox, portal_name, "crm") == {}


# --- dependency rules name the other setting ---------------------------------------------

RULES = [
    (
        "common",
        {"sign_group_phone": "y", "dialog_links": "chat2desk"},
        "Transfer messages to Open Lines",
    ),
    (
        "common",
        {"openlines_enabled": "y", "openline_id": "", "dialog_links": "chat2desk"},
        "Transfer messages to Open Lines",
    ),
    (
        "tags",
        {"tag_mode": "ignore", "send_previous_on_tag": "y"},
        "Transfer messages to Open Lines",
    ),
    ("tags", {"tag_mode": "only_tagged"}, "Tag processing"),
    ("tags", {"tag_mode": "reject_tagged"}, "Tag processing"),
    ("analytics", {"deal_utm_all": DEAL_DOUBLE}, "string field"),
]


@pytest.mark.parametrize(("tab", "data", "names"), RULES)
def test_dependency_rule_refuses_and_names_the_setting(
    sandbox, portal_name, admin, tab, data, names
):
    before = stored(sandbox, portal_name, tab)
    resp = save(sandbox, admin, tab, data)
    assert resp.status_code == 200
    assert names in resp.text and 'class="b24-error"' in resp.text
    assert stored(sandbox, portal_name, tab) == before


def test_open_lines_cannot_be_turned_off_under_dependents(sandbox, portal_name, admin):
    _open_lines_on(sandbox, admin)
    assert (
        save(
            sandbox, admin, "tags", {"tag_mode": "ignore", "send_previous_on_tag": "y"}
        ).status_code
        == 302
    )
    resp = save(
        sandbox,
        admin,
        "common",
        {"openline_id": "1", "sign_group_phone": "y", "dialog_links": "chat2desk"},
    )
    assert resp.status_code == 200
    assert "Send earlier messages to Open Lines after tagging" in resp.text
    assert "Sign the phone number in group-chat messages" in resp.text
    assert stored(sandbox, portal_name, "common")["openlines_enabled"] is True
    assert "Tags tab depends on this" in page(sandbox, "/settings/common", admin).text


def test_send_previous_is_disabled_with_a_reason_while_open_lines_are_off(sandbox, admin):
    html = page(sandbox, "/settings/tags", admin).text
    assert re.search(r'<input disabled id="send_previous_on_tag"', html)
    assert "Turn on “Transfer messages to Open Lines” on the Common tab first." in html


# --- out-of-choice values ---------------------------------------------------------------

OUT_OF_CHOICE = [
    ("common", {"openlines_enabled": "y", "openline_id": "99", "dialog_links": "chat2desk"}),
    ("common", {"dialog_links": "telegram"}),
    ("tags", {"tag_mode": "only_tagged", "tags": ["1", "99"]}),
    ("tags", {"tag_mode": "everything"}),
    ("analytics", {"deal_utm_source": "NO_SUCH_FIELD"}),
    ("analytics", {"lead_utm_term": "ORIGIN_ID"}),
    ("fields", {"deal_cf_1": "UF_CRM_999"}),
    ("operators", {"user_1": "999"}),
    ("operators", {"user_1": "6"}),  # deactivated user
    ("crm", {"channel_1": "deal:77"}),
    ("crm", {"channel_1": "anything"}),
]


@pytest.mark.parametrize(("tab", "data"), OUT_OF_CHOICE)
def test_value_not_among_the_choices_is_refused(sandbox, portal_name, admin, tab, data):
    before = stored(sandbox, portal_name, tab)
    resp = save(sandbox, admin, tab, data)
    assert resp.status_code == 200 and 'class="b24-error"' in resp.text
    assert stored(sandbox, portal_name, tab) == before


def test_stored_value_that_no_longer_exists_is_shown_but_not_accepted(sandbox, portal_name, admin):
    store(sandbox, portal_name, "analytics", {"deal_utm_source": "UF_CRM_GONE"})
    html = page(sandbox, "/settings/analytics", admin).text
    assert "UF_CRM_GONE (no longer exists)" in html
    assert selected(html, "deal_utm_source") == ["UF_CRM_GONE"]
    resp = save(sandbox, admin, "analytics", {"deal_utm_source": "UF_CRM_GONE"})
    assert resp.status_code == 200 and "no longer exists" in resp.text
    assert stored(sandbox, portal_name, "analytics") == {"deal_utm_source": "UF_CRM_GONE"}
