"""Dialog close → lead or deal per channel setting and CRM mode, contact, fields (issue 6)."""

import pytest

from .flows_world import crm_calls, make_world, methods

CLASSIC, SIMPLE = 1, 2
IVAN, ALEX, DANA = "Ivan Smirnov", "Alex Telegram", "Dana Widget"  # channels 1, 2, 3


def _close(world, who=IVAN, kind="close_dialog", **overrides):
    client = world.client(who)
    world.clear_logs()
    result = world.event(kind, client_id=client["id"], **overrides)
    assert result["statuses"] == [200]
    return client, result["payload"], world.journal()[-1]


def _only(mapping: dict) -> dict:
    assert len(mapping) == 1, mapping
    return next(iter(mapping.values()))


@pytest.mark.parametrize("mode", [CLASSIC, SIMPLE])
def test_channel_none_makes_no_crm_call_at_all(sandbox, portal_name, mode):
    world = make_world(sandbox, portal_name, mode=mode)
    world.set("crm", channel_1="none")
    _client, _payload, row = _close(world)
    assert row.status == "done"
    assert "channel WhatsApp Sales is set to 'No entities'" in row.decision
    assert crm_calls(world.b24_log()) == [] and world.b24_log() == []
    assert world.c2d_log() == []
    state = world.b24()
    assert state["deals"] == {} and state["leads"] == {} and state["contacts"] == {}


@pytest.mark.parametrize("mode", [CLASSIC, SIMPLE])
def test_channel_none_known_only_from_the_client_card(sandbox, portal_name, mode):
    world = make_world(sandbox, portal_name, mode=mode)
    world.set("crm", channel_1="none")
    _client, _payload, row = _close(world, kind="close_request")
    assert "set to 'No entities'" in row.decision
    assert crm_calls(world.b24_log()) == []


def test_lead_in_classic_mode(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=CLASSIC)
    world.set("crm", channel_1="lead")
    _client, payload, row = _close(world)
    lead = _only(world.b24()["leads"])
    assert lead["ORIGIN_ID"] == f"request:{payload['request_id']}"
    assert lead["ORIGINATOR_ID"] == "chat2desk" and "ORIGIN_VERSION" not in lead
    assert lead["NAME"] == "Ivan Smirnov" and lead["PHONE"][0]["VALUE"] == "+79161234567"
    assert world.b24()["deals"] == {} and world.b24()["contacts"] == {}
    assert f"Created lead #{lead['ID']}" in row.decision


def test_lead_setting_in_simple_mode_becomes_a_deal(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    world.set("crm", channel_1="lead")
    _client, _payload, row = _close(world)
    deal = _only(world.b24()["deals"])
    assert deal["CATEGORY_ID"] == "0" and deal["CONTACT_ID"]
    assert "crm.lead.add" not in methods(world.b24_log())
    assert world.b24()["lead_add_calls"] == 0
    assert "simple CRM (no leads), so a deal" in row.decision


@pytest.mark.parametrize("mode", [CLASSIC, SIMPLE])
def test_deal_in_chosen_pipeline(sandbox, portal_name, mode):
    world = make_world(sandbox, portal_name, mode=mode)
    world.set("crm", channel_1="deal:1")
    _client, _payload, row = _close(world)
    deal = _only(world.b24()["deals"])
    assert deal["CATEGORY_ID"] == "1" and deal["STAGE_ID"] == "C1:NEW"
    assert world.b24()["leads"] == {}
    assert "in pipeline 'Wholesale'" in row.decision


def test_default_in_classic_mode_is_a_lead(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=CLASSIC)
    _close(world)
    assert len(world.b24()["leads"]) == 1 and world.b24()["deals"] == {}
    assert "classic CRM, so a lead" in world.journal()[-1].decision


def test_default_in_simple_mode_is_a_deal_with_contact_and_never_a_lead(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _close(world)
    _close(world, who=ALEX)
    _close(world, who=DANA)
    state = world.b24()
    assert len(state["deals"]) == 3 and state["leads"] == {} and len(state["contacts"]) == 3
    assert all(d["CATEGORY_ID"] == "0" for d in state["deals"].values())
    assert state["lead_add_calls"] == 0


def test_close_budget_worst_case_two_bitrix24_and_three_chat2desk_requests(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _map_everything(world)
    _client, _payload, row = _close(world)
    log = world.b24_log()
    assert len(log) == 2, log
    assert [e["method"] for e in log] == ["batch", "batch"]
    assert log[1]["batch_cmds"] == [
        "crm.contact.add",
        "crm.deal.add",
        "crm.timeline.comment.add",
        "crm.deal.update",
    ]
    assert len(world.c2d_log()) == 3, world.c2d_log()
    assert "Contact #" in row.decision and "created with phone +79161234567" in row.decision


def test_close_request_with_fewer_ids_stays_in_budget(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    world.set("operators", user_3="3")
    _client, payload, row = _close(world, kind="close_request")
    assert "operator_id" not in payload and "channel_id" not in payload
    assert len(world.b24_log()) <= 2 and len(world.c2d_log()) <= 3
    deal = _only(world.b24()["deals"])
    assert deal["ASSIGNED_BY_ID"] == "3"
    assert deal["TITLE"] == "Chat2Desk: Ivan Smirnov · WhatsApp Sales"


def test_close_with_only_the_dialog_id_reads_its_messages(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    world.clear_logs()
    world.event(
        "close_dialog",
        dialog_id=dialog["id"],
        omit=["client_id", "request_id", "operator_id", "channel_id"],
    )
    assert world.journal()[-1].status == "done"
    paths = [e["path"] for e in world.c2d_log()]
    # GET /dialogs/{id} has no client_id: the dialog's messages tell client and request
    assert "/v1/messages" in paths and len(paths) <= 3
    assert _only(world.b24()["deals"])["ORIGIN_ID"] == f"request:{dialog['last_request_id']}"


def test_responsible_is_mapped_operator_else_installing_admin(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    world.set("operators", user_3="4")
    _close(world)
    assert "mapped user of operator Ivan Petrov" in world.journal()[-1].decision
    _close(world, who=ALEX)
    row = world.journal()[-1]
    assert "Olga Ivanova has no mapped user, so the admin who installed the app" in row.decision
    owners = sorted(d["ASSIGNED_BY_ID"] for d in world.b24()["deals"].values())
    assert owners == ["1", "4"]


def test_contact_is_reused_by_phone(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    existing = world.rest(
        "crm.contact.add",
        {
            "fields": {
                "NAME": "Ivan S.",
                "PHONE": [{"VALUE": "+7 (916) 123-45-67", "VALUE_TYPE": "WORK"}],
            }
        },
    )
    _close(world)
    assert "crm.contact.add" not in methods(world.b24_log())
    deal = _only(world.b24()["deals"])
    assert str(deal["CONTACT_ID"]) == str(existing)
    assert (
        f"Contact #{existing} reused (found by phone +79161234567)" in world.journal()[-1].decision
    )


def test_lead_links_an_existing_contact(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=CLASSIC)
    existing = world.rest(
        "crm.contact.add",
        {"fields": {"NAME": "Dana", "PHONE": [{"VALUE": "77011234567", "VALUE_TYPE": "WORK"}]}},
    )
    _close(world, who=DANA)
    lead = _only(world.b24()["leads"])
    assert str(lead["CONTACT_ID"]) == str(existing)


def test_placeholder_phones_are_never_used(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _close(world, who=ALEX)  # phone "[tg] 807892", no client_phone
    assert "crm.duplicate.findbycomm" not in methods(world.b24_log())
    contact = _only(world.b24()["contacts"])
    assert not contact.get("PHONE")
    assert "no real phone known" in world.journal()[-1].decision
    _close(world, who=DANA)  # phone "[chat] …", client_phone +77011234567
    phones = [p["VALUE"] for c in world.b24()["contacts"].values() for p in c.get("PHONE", [])]
    assert phones == ["+77011234567"]
    assert not any("807892" in p or "1d0b" in p for p in phones)


def test_contact_made_without_phone_is_reused_on_next_close(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    client, _payload, _row = _close(world, who=ALEX)
    world.event("inbox", client_id=client["id"])  # reopens the dialog: a new request
    _close(world, who=ALEX)
    state = world.b24()
    assert len(state["deals"]) == 2 and len(state["contacts"]) == 1


def _map_everything(world):
    world.set(
        "analytics",
        deal_utm_source="UTM_SOURCE",
        deal_utm_medium="UTM_MEDIUM",
        deal_utm_campaign="UTM_CAMPAIGN",
        deal_utm_term="UTM_TERM",
        deal_utm_all="UF_CRM_1700000001",
        deal_message_id="UF_CRM_1700000003",
        deal_click_time="UF_CRM_1700000005",
        deal_client_id="UF_CRM_1700000007",
        lead_utm_source="UTM_SOURCE",
        lead_click_time="UF_CRM_1700000105",
    )
    world.set(
        "fields",
        deal_cf_2="UF_CRM_1700000002",
        deal_cf_3="UF_CRM_1700000004",
        deal_cf_5="UF_CRM_1700000006",
        deal_cf_1="COMMENTS",
        lead_cf_2="UF_CRM_1700000102",
        lead_cf_5="UF_CRM_1700000106",
    )


def test_every_mapped_field_is_converted_to_its_type(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _map_everything(world)
    client, _payload, row = _close(world)
    deal = _only(world.b24()["deals"])
    first = min(m["id"] for m in world.c2d_state()["messages"] if m["client_id"] == client["id"])
    assert deal["UTM_SOURCE"] == "google" and deal["UTM_MEDIUM"] == "cpc"
    assert deal["UTM_CAMPAIGN"] == "spring_sale" and deal["UTM_TERM"] == "buy sofa"
    assert deal["UF_CRM_1700000001"] == (
        "utm_source=google; utm_medium=cpc; "
        "utm_campaign=spring_sale; utm_content=banner_a; "
        "utm_term=buy sofa"
    )
    assert int(deal["UF_CRM_1700000003"]) == first  # integer
    assert deal["UF_CRM_1700000005"] == "2025-05-26T08:15:02+00:00"  # datetime
    assert deal["UF_CRM_1700000007"] == str(client["id"])  # Chat2Desk client id
    assert float(deal["UF_CRM_1700000002"]) == 150000.0  # double
    assert deal["UF_CRM_1700000004"] == "1990-05-17"  # date
    assert deal["UF_CRM_1700000006"] == "101"  # list item "Retail"
    assert deal["COMMENTS"] == "Romashka LLC"  # string
    assert deal["SOURCE_ID"] == "OTHER" and deal["SOURCE_DESCRIPTION"] == "Chat2Desk (whatsapp)"
    assert "Fields written: UTM source → UTM_SOURCE" in row.decision
    assert "Skipped" not in row.decision


def test_unconvertible_values_are_skipped_and_journaled(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _map_everything(world)
    _close(world, who=ALEX)  # Budget "about 50k", Birthday "17.05.1991", Segment "Wholesale"
    deal = _only(world.b24()["deals"])
    assert "UF_CRM_1700000002" not in deal
    assert deal["UF_CRM_1700000004"] == "1991-05-17" and deal["UF_CRM_1700000006"] == "102"
    decision = world.journal()[-1].decision
    assert "Budget: 'about 50k' is not a number — skipped" in decision
    assert world.journal()[-1].status == "done"
    _close(world, who=DANA)  # Budget "250000.50", Birthday "03.12.1985", Segment "Corporate"
    deal = world.b24()["deals"][max(world.b24()["deals"], key=int)]
    assert float(deal["UF_CRM_1700000002"]) == 250000.5
    assert deal["UF_CRM_1700000004"] == "1985-12-03"
    assert "Segment: 'Corporate' is not an item of the list" in world.journal()[-1].decision


def test_number_with_spaces_and_comma_and_lead_fields(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=CLASSIC)
    _map_everything(world)
    client = world.client(IVAN)
    world.event(
        "client_updated",
        client_id=client["id"],
        fields={"custom_fields": {"2": "1 500,50", "5": "wholesale"}},
    )
    _close(world)
    lead = _only(world.b24()["leads"])
    assert float(lead["UF_CRM_1700000102"]) == 1500.5
    assert lead["UF_CRM_1700000106"] == "102"
    assert lead["UTM_SOURCE"] == "google"
    assert lead["UF_CRM_1700000105"] == "2025-05-26T08:15:02+00:00"


def test_transcript_is_posted_as_a_timeline_comment(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    _client, payload, _row = _close(world)
    deal = _only(world.b24()["deals"])
    [comment] = world.b24()["comments"]
    assert comment["ENTITY_TYPE"] == "deal" and str(comment["ENTITY_ID"]) == deal["ID"]
    lines = comment["COMMENT"].splitlines()
    assert lines[0] == f"Chat2Desk dialog {payload['dialog_id']}, request {payload['request_id']}"
    assert lines[1].endswith("] Ivan Smirnov: Hello! Is the grey sofa still available?")
    assert "] Ivan Petrov: Good afternoon!" in lines[2]
    assert "[url=https://files.example.com/sandbox/room.jpg]" in lines[3]
