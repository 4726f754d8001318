"""Flows speak the portal's language: journal decisions and notifications (issue 5 item 7)."""

from b24app import journal
from b24app.extensions import db
from b24app.models import Journal

from .flows_world import World, make_world
from .helpers import connect, installed_portal, new_c2d_company, open_app

IVAN = "Ivan Smirnov"  # operator 3 (Ivan Petrov)


def _russian_world(box, name: str, mode: int = 1) -> World:
    """A portal installed and opened in Russian (Portal.lang == "ru"), connected and warm."""
    info = installed_portal(box, name, mode=mode, lang="ru")
    frame_token = open_app(box, name, lang="ru")
    c2d_token = new_c2d_company(box)
    assert connect(box, frame_token, c2d_token).status_code in (200, 302)
    world = World(box, name, info["member_id"], c2d_token, frame_token)
    world.warm()
    with box.app.app_context():
        assert world.portal().lang == "ru"
    return world


def test_incoming_message_in_russian(sandbox, portal_name):
    world = _russian_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    client = world.client(IVAN)
    payload = world.event("inbox", client_id=client["id"], text="Диван серый?")["payload"]

    [msg] = world.b24()["bot_messages"]
    text = msg["MESSAGE"]
    assert "[b]Новое сообщение от Ivan Smirnov[/b]" in text
    assert f"Диалог: {payload['dialog_id']}" in text
    assert "]Открыть диалог[/url]" in text
    assert "New message" not in text

    row = world.journal()[-1]
    assert row.status == "done"
    assert row.decision.startswith("Уведомлены: Ivan Sokolov (#3); отправлено ботом приложения")
    assert "сопоставленный пользователь оператора Ivan Petrov" in row.decision


def test_close_and_retry_in_russian(sandbox, portal_name):
    """A close journaled in Russian, and `journal retry` (no request) in Russian too."""
    world = _russian_world(sandbox, portal_name, mode=2)
    client = world.client(IVAN)
    dialog = world.dialog_of(client["id"])
    world.fault(method="crm.deal.add", kind="500", count=1)
    resp = world.post_webhook(world.close_payload(client))
    assert resp.status_code == 200 and resp.json()["status"] == "retrying"
    with world.box.app.app_context():
        row = db.session.get(Journal, resp.json()["journal_id"])
        assert row.error.startswith("Битрикс24 ответил ошибкой")
        _status, body = journal.retry(row)
    assert body["status"] == "done"
    assert body["decision"].startswith("Создано: Сделка №")
    assert "Ответственный: " in body["decision"]
    [comment] = world.b24()["comments"]
    assert comment["COMMENT"].startswith(f"Диалог Chat2Desk {dialog['id']}, обращение ")


def test_english_portal_stays_english(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    world.set("operators", user_3="3")
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text="Is the sofa grey?")
    [msg] = world.b24()["bot_messages"]
    assert "[b]New message from Ivan Smirnov[/b]" in msg["MESSAGE"]
    assert world.journal()[-1].decision.startswith("Notified Ivan Sokolov (#3) by the app's bot")
