"""Tag filters (ignore / only_tagged / reject_tagged) on request and client tags (issue 6)."""

from sqlalchemy import delete

from b24app.extensions import db
from b24app.models import RequestTag

from .flows_world import crm_calls, make_world

IVAN = "Ivan Smirnov"
VIP, SPAM, WHOLESALE = "1", "2", "3"


def _world(box, name, mode, tags):
    world = make_world(box, name)
    world.set("operators", user_3="3")
    world.set("tags", tag_mode=mode, tags=tags)
    return world, world.client(IVAN)


def _inbox(world, client):
    world.clear_logs()
    world.event("inbox", client_id=client["id"])
    return world.journal()[-1]


def test_ignore_mode_lets_tagged_dialogs_through(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "ignore", [])
    world.event("add_tag_to_request", client_id=client["id"], tag_id=SPAM)
    assert _inbox(world, client).status == "done"
    assert len(world.b24()["bot_messages"]) == 1


def test_only_tagged_request_tag(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "only_tagged", [VIP])
    row = _inbox(world, client)
    assert row.status == "filtered"
    assert "only dialogs tagged 'VIP' are accepted" in row.decision
    assert world.b24_log() == []
    world.event("add_tag_to_request", client_id=client["id"], tag_id=VIP, tag_key="tag_id")
    tag_row = world.journal()[-1]
    assert "now carries the tag 'VIP'" in tag_row.decision
    assert "now reaches Bitrix24" in tag_row.decision
    assert _inbox(world, client).status == "done"
    assert len(world.b24()["bot_messages"]) == 1


def test_only_tagged_client_tag(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "only_tagged", [VIP, WHOLESALE])
    assert _inbox(world, client).status == "filtered"
    world.event("add_tag_to_client", client_id=client["id"], tag_id=WHOLESALE)
    assert _inbox(world, client).status == "done"
    world.event("delete_tag_from_client", client_id=client["id"], tag_id=WHOLESALE)
    assert _inbox(world, client).status == "filtered"


def test_reject_tagged_request_tag_and_its_removal(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "reject_tagged", [SPAM])
    assert _inbox(world, client).status == "done"
    world.event("add_tag_to_request", client_id=client["id"], tag_id=SPAM)
    row = _inbox(world, client)
    assert row.status == "filtered"
    assert "the request carries 'Spam', and tagged dialogs are rejected" in row.decision
    world.event("delete_tag_from_request", client_id=client["id"], tag_id=SPAM)
    assert _inbox(world, client).status == "done"
    assert len(world.b24()["bot_messages"]) == 2


def _forget_learnt_tags(world):
    """Only the client card tells about client tags now."""
    with world.box.app.app_context():
        db.session.execute(delete(RequestTag).filter_by(portal_id=world.portal().id))
        db.session.commit()


def test_inbox_reads_client_tags_from_the_card(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "reject_tagged", [VIP])
    world.event("add_tag_to_client", client_id=client["id"], tag_id=VIP)
    _forget_learnt_tags(world)
    row = _inbox(world, client)
    assert row.status == "filtered" and "the client carries 'VIP'" in row.decision
    assert [e["path"] for e in world.c2d_log()] == [f"/v1/clients/{client['id']}"]
    assert world.b24_log() == []


def test_reject_tagged_close_by_client_card_tag(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "reject_tagged", [VIP])
    world.event("add_tag_to_client", client_id=client["id"], tag_id=VIP)
    _forget_learnt_tags(world)
    world.clear_logs()
    world.event("close_dialog", client_id=client["id"])
    row = world.journal()[-1]
    assert row.status == "filtered" and "the client carries 'VIP'" in row.decision
    assert crm_calls(world.b24_log()) == []
    assert world.b24()["deals"] == {} and world.b24()["leads"] == {}


def test_only_tagged_close_needs_the_tag(sandbox, portal_name):
    world, client = _world(sandbox, portal_name, "only_tagged", [VIP])
    world.clear_logs()
    world.event("close_dialog", client_id=client["id"])
    assert world.journal()[-1].status == "filtered"
    assert crm_calls(world.b24_log()) == []
    world.event("add_tag_to_request", client_id=client["id"], tag_id=VIP)
    world.event("close_request", client_id=client["id"])
    assert world.journal()[-1].status == "done"
    assert len(world.b24()["leads"]) == 1
