"""What an admin reads, made reliable (issue 15): the journal of a period as CSV (item 7), the
preview naming people, fields and settings (item 4), a region error in words (item 6), and the
dialog page's times with their zone (item 3)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from .flows_world import make_world
from .helpers import (
    c2d_control,
    installed_portal,
    new_c2d_company,
    open_app,
    page,
    submit,
)

IVAN = "Ivan Smirnov"
TODAY = datetime.now(UTC).date()


def test_journal_of_a_period_as_csv_in_the_readers_language(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text='=HYPERLINK("http://evil")')
    world.post_webhook(world.close_payload(client))
    period = {"from": str(TODAY), "to": str(TODAY)}
    resp = page(sandbox, "/settings/journal/export", world.frame_token, **period)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["hook_type"] for r in rows] == [r.hook_type for r in world.journal()]
    close = next(r for r in rows if r["hook_type"] == "close_dialog")
    assert close["event"] == "Dialog closed" and close["decision"].startswith("Created")
    assert close["time"].endswith("Z") and close["dialog_id"] == str(
        world.close_payload(client)["dialog_id"]
    )
    ru = page(
        sandbox, "/settings/journal/export", open_app(sandbox, world.name, lang="ru"), **period
    )
    ru_rows = list(csv.DictReader(io.StringIO(ru.text)))
    assert next(r for r in ru_rows if r["hook_type"] == "close_dialog")["event"] == "Диалог закрыт"
    earlier = {"from": str(TODAY - timedelta(days=9)), "to": str(TODAY - timedelta(days=1))}
    none = page(sandbox, "/settings/journal/export", world.frame_token, **earlier).text
    assert none.strip().splitlines() == [
        "time,event,hook_type,dialog_id,request_id,status,decision,error"
    ]
    for line in resp.text.splitlines():  # nothing from outside starts a formula
        assert not re.search(r'(^|,)"?[=+@-]', line.split(",", 1)[1] if "," in line else "")


def test_preview_names_people_fields_and_the_settings_behind_them(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=2)
    world.set("operators", user_4="5")
    world.set("crm", channel_2="deal:2")
    world.set("fields", deal_cf_2="UF_CRM_1700000002", deal_cf_3="UF_CRM_1700000004")
    dialog = world.dialog_of(world.client("Alex Telegram")["id"])
    html = page(sandbox, "/settings/journal/preview", world.frame_token, dialog=dialog["id"]).text
    responsible = re.search(r'data-key="responsible">(.*?)</td>', html, re.S).group(1)
    assert "Pedro Silva (#5)" in responsible and "User 5" not in html
    fields = dict(re.findall(r'data-code="(\w+)"><td>(.*?)</td>', html, re.S))
    assert (
        "UF_CRM_1700000004" in fields
        and "UF_CRM_1700000004" != fields["UF_CRM_1700000004"].split("<")[0].strip()
    )  # the field's label, not its code
    assert "Additional fields" in html and "CRM tab" in html and "Operators tab" in html
    assert 'class="b24-pre b24-transcript"' in html


def test_an_unreachable_region_says_check_the_region(sandbox, portal_name):
    installed_portal(sandbox, portal_name)
    token = open_app(sandbox, portal_name)
    company = new_c2d_company(sandbox)
    c2d_control(
        sandbox,
        "faults",
        {"path_prefix": "/companies/api_info", "kind": "500", "count": 10},
        token=company,
    )
    resp = submit(
        sandbox, "/settings/connection", token, {"api_token": company, "api_url": sandbox.c2d_api}
    )
    assert resp.status_code == 200
    assert "Check the region" in resp.text and "/companies/api_info" not in resp.text
    assert "Connected" not in resp.text.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_dialog_page_times_have_their_zone(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    html = page(sandbox, f"/dialogs/{dialog['id']}", world.frame_token).text
    stamps = re.findall(r'<time datetime="([\dT:.-]+Z)">([^<]+)</time>', html)
    assert stamps and all(shown.endswith(" UTC") for _iso, shown in stamps)
    assert not re.search(r"· \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC", html)  # no raw Chat2Desk text


def test_text_mapped_to_a_number_field_is_warned_and_field_types_are_shown(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("analytics", deal_utm_source="UF_CRM_1700000002", deal_message_id="UF_CRM_1700000002")
    html = page(sandbox, "/settings/analytics", world.frame_token).text
    row = html.split('id="row-deal_utm_source"', 1)[1].split('<div class="b24-field', 1)[0]
    assert "“utm_source” is text, and this is a number field" in row
    numeric = html.split('id="row-deal_message_id"', 1)[1].split('<div class="b24-field', 1)[0]
    assert "is text, and this is a number field" not in numeric  # message ids are numbers
    fields = page(sandbox, "/settings/fields", world.frame_token).text
    assert "(UF_CRM_1700000002) — number" in fields
