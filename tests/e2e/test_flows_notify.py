"""Incoming-message and assignment notifications over HTTP against the sandbox (issue 6)."""

from .flows_world import make_world, methods

IVAN = "Ivan Smirnov"  # operator 3 (Ivan Petrov); supervisors are operators 2 and 5


def _inbox(world, **overrides):
    client = world.client(IVAN)
    world.clear_logs()
    result = world.event("inbox", client_id=client["id"], text="Is the sofa grey?", **overrides)
    assert result["statuses"] == [200]
    return result["payload"]


def _bot_messages(world):
    return world.b24()["bot_messages"]


def test_operator_mapped_gets_bot_message_in_one_request(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3", user_2="4")
    payload = _inbox(world)
    log = world.b24_log()
    assert len(log) == 1 and methods(log) == ["imbot.message.add"]
    assert world.c2d_log() == []
    [msg] = _bot_messages(world)
    assert msg["DIALOG_ID"] == "3"
    text = msg["MESSAGE"]
    assert "New message from Ivan Smirnov" in text and "Is the sofa grey?" in text
    assert f"Dialog: {payload['dialog_id']}" in text
    assert f"[url={sandbox.c2d_url}/web/chat/my?dialogID={payload['dialog_id']}]" in text
    decision = world.journal()[-1].decision
    assert "Ivan Sokolov (#3)" in decision and "mapped user of operator Ivan Petrov" in decision


def test_unmapped_operator_falls_back_to_supervisors(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_2="4", user_5="5", user_4="2")
    _inbox(world)
    assert len(world.b24_log()) == 1
    assert sorted(m["DIALOG_ID"] for m in _bot_messages(world)) == ["4", "5"]
    decision = world.journal()[-1].decision
    assert "operator Ivan Petrov has no mapped user" in decision
    assert "supervisors (Maria Sokolova, Anna Petrova)" in decision


def test_no_mapping_falls_back_to_portal_admins(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.portal_attr(admin_user_ids=[1, 5])
    _inbox(world)
    assert sorted(m["DIALOG_ID"] for m in _bot_messages(world)) == ["1", "5"]
    assert "no supervisor is mapped, so the portal admins" in world.journal()[-1].decision


def test_without_bot_system_notification_with_dialog_tag(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="2")
    world.portal_attr(bot_id=None)
    payload = _inbox(world)
    assert methods(world.b24_log()) == ["im.notify.system.add"]
    [note] = world.b24()["notifications"]
    assert note["USER_ID"] == 2 and note["TAG"] == f"c2d:{payload['dialog_id']}:2"
    assert "system notification" in world.journal()[-1].decision


def test_bot_error_falls_back_to_system_notification(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="2")
    world.portal_attr(bot_id=999999)
    _inbox(world)
    assert methods(world.b24_log()) == ["imbot.message.add", "im.notify.system.add"]
    assert [n["USER_ID"] for n in world.b24()["notifications"]] == [2]


def test_parts_switched_off_are_left_out(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set(
        "operators",
        user_3="3",
        show_client_name=False,
        show_text=False,
        show_dialog_id=False,
        show_dialog_link=False,
    )
    _inbox(world)
    [msg] = _bot_messages(world)
    assert msg["MESSAGE"] == "[b]New message in Chat2Desk[/b]"


def test_dialog_link_to_app_page_and_entity_links(sandbox, portal_name):
    world = make_world(sandbox, portal_name, mode=2)
    world.set("operators", user_3="3")
    world.set("common", dialog_links="bitrix24")
    client = world.client(IVAN)
    world.event("close_dialog", client_id=client["id"])
    deal_id = next(iter(world.b24()["deals"]))
    contact_id = next(iter(world.b24()["contacts"]))
    payload = _inbox(world)
    text = _bot_messages(world)[-1]["MESSAGE"]
    # the dialog page opens inside the portal (REST_APP_URI link), signed for this user
    assert f"{sandbox.portal_url(world.name)}marketplace/view/" in text
    assert f"params%5Bdialog%5D={payload['dialog_id']}&params%5Bk%5D=" in text
    assert f"crm/deal/details/{deal_id}/]Deal #{deal_id}[/url]" in text
    assert f"crm/contact/details/{contact_id}/]Contact #{contact_id}[/url]" in text


def test_off_non_client_and_redelivered_messages_do_not_notify(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    payload = _inbox(world)
    world.redeliver(payload)
    assert len(_bot_messages(world)) == 1
    _inbox(world, type="to_client")
    assert world.journal()[-1].status == "ignored"
    world.set("common", notify_incoming=False)
    _inbox(world)
    assert world.b24_log() == [] and len(_bot_messages(world)) == 1
    row = world.journal()[-1]
    assert row.status == "done" and "notifications are off" in row.decision


def test_assignment_notifies_the_new_operators_user(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_4="5")
    client = world.client(IVAN)
    world.clear_logs()
    payload = world.event("dialog_transferred", client_id=client["id"], operator_id=4)["payload"]
    assert methods(world.b24_log()) == ["imbot.message.add"]  # the client's name: 1 C2D read
    [msg] = _bot_messages(world)
    assert msg["DIALOG_ID"] == "5"
    assert f"Dialog {payload['dialog_id']} with Ivan Smirnov was assigned to you" in msg["MESSAGE"]
    assert "new operator Olga Ivanova" in world.journal()[-1].decision
    world.set("operators", show_client_name=False)
    payload = world.event("dialog_transferred", client_id=client["id"], operator_id=4)["payload"]
    assert (
        f"Dialog {payload['dialog_id']} was assigned to you" in _bot_messages(world)[-1]["MESSAGE"]
    )


def test_assignment_without_mapping_or_switched_off(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    client = world.client(IVAN)
    world.clear_logs()
    world.event("dialog_transferred", client_id=client["id"], operator_id=4)
    row = world.journal()[-1]
    assert row.status == "done" and "Olga Ivanova has no mapped Bitrix24 user" in row.decision
    world.set("operators", user_4="5", notify_assignment=False)
    world.event("dialog_transferred", client_id=client["id"], operator_id=4)
    assert "Assignment notifications are off" in world.journal()[-1].decision
    assert world.b24_log() == []
