"""Preview in the journal: what closing a dialog would write, without writing (issue 6)."""

from .flows_world import make_world, methods
from .helpers import page

SIMPLE = 2
WRITES = (
    "crm.deal.add",
    "crm.lead.add",
    "crm.contact.add",
    "crm.deal.update",
    "crm.lead.update",
    "crm.timeline.comment.add",
)


def test_preview_shows_entity_fields_responsible_and_contact_without_writing(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=SIMPLE)
    world.set("operators", user_4="5")
    world.set("crm", channel_2="deal:2")
    world.set("fields", deal_cf_2="UF_CRM_1700000002", deal_cf_3="UF_CRM_1700000004")
    alex = world.client("Alex Telegram")
    dialog = world.dialog_of(alex["id"])
    world.clear_logs()
    resp = page(sandbox, "/settings/journal/preview", world.frame_token, dialog=dialog["id"])
    assert resp.status_code == 200
    html = resp.text
    assert 'data-kind="deal">Deal<' in html and "Partners" in html
    assert "Pedro Silva (#5)" in html and "Olga Ivanova" in html
    assert "create a contact" in html
    assert 'data-code="UF_CRM_1700000004"' in html and "1991-05-17" in html
    assert "Budget: &#39;about 50k&#39; is not a number — skipped" in html
    assert not any(m in WRITES for m in methods(world.b24_log()))
    assert all(e["method"] == "GET" for e in world.c2d_log())
    state = world.b24()
    assert state["deals"] == {} and state["contacts"] == {} and state["comments"] == []


def test_preview_of_a_channel_set_to_none_and_of_an_unknown_dialog(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("crm", channel_1="none")
    ivan = world.client("Ivan Smirnov")
    dialog = world.dialog_of(ivan["id"])
    world.clear_logs()
    resp = page(sandbox, "/settings/journal/preview", world.frame_token, dialog=dialog["id"])
    assert "set to &#39;No entities&#39;" in resp.text
    assert world.b24_log() == []
    resp = page(sandbox, "/settings/journal/preview", world.frame_token, dialog="999999")
    assert resp.status_code == 200 and "does not know dialog 999999" in resp.text


def test_journal_page_offers_the_preview_form_and_it_needs_a_frame(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    html = page(sandbox, "/settings/journal", world.frame_token).text
    assert 'id="preview-button"' in html and "Preview close" in html
    resp = page(sandbox, "/settings/journal/preview", "bogus", dialog="1")
    assert resp.status_code == 401
