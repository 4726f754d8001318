"""The journal speaks its reader's language: the same rows rendered in English and in Russian;
events in words; an empty filter says so; one dialog box; times with their zone (issue 15, 3)."""

import re

from sqlalchemy import insert

from b24app.extensions import db
from b24app.models import Journal

from .flows_world import make_world
from .helpers import open_app, page

IVAN = "Ivan Smirnov"


def _decisions(html: str) -> list[str]:
    return re.findall(r'<td class="journal-decision">(.*?)</td>', html, re.S)


def test_the_same_rows_read_in_english_and_in_russian(sandbox, portal_name):
    world = make_world(sandbox, portal_name)  # a portal that speaks English
    world.set("operators", user_3="3")
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text="Is the sofa grey?")
    world.post_webhook(world.close_payload(client))
    rows = world.journal()
    inbox = next(r for r in rows if r.hook_type == "inbox")
    close = next(r for r in rows if r.hook_type == "close_dialog")
    assert inbox.decision.startswith("Notified") and close.decision.startswith("Created")

    english = page(sandbox, "/settings/journal", world.frame_token).text
    ru_token = open_app(sandbox, world.name, lang="ru")
    russian = page(sandbox, "/settings/journal", ru_token).text
    en_rows, ru_rows = _decisions(english), _decisions(russian)
    assert len(en_rows) == len(ru_rows) >= 2
    assert any(d.startswith("Notified") for d in en_rows)
    assert any(d.startswith("Created") for d in en_rows)
    assert any(d.startswith("Уведомлены:") for d in ru_rows)
    assert any(d.startswith("Создано: Лид №") for d in ru_rows)
    assert not any(d.startswith(("Notified", "Created")) for d in ru_rows)
    assert "Входящее сообщение" in russian and "Диалог закрыт" in russian
    assert "Incoming message" in english and "Dialog closed" in english
    assert ">inbox<" not in english and ">close_dialog<" not in english


def test_old_rows_keep_their_text_and_errors_are_rendered_too(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    with sandbox.app.app_context():
        db.session.execute(
            insert(Journal),
            [
                {
                    "portal_id": world.portal().id,
                    "key": "old:1",
                    "hook_type": "client_updated",
                    "payload": {},
                    "status": "done",
                    "decision": "An old decision, written before phrases existed.",
                    "error": "",
                    "attempts": 1,
                }
            ],
        )
        db.session.commit()
    html = page(sandbox, "/settings/journal", open_app(sandbox, world.name, lang="ru")).text
    assert "An old decision, written before phrases existed." in html
    assert "Клиент изменён" in html


def test_filters_dialog_box_and_times(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    empty = page(sandbox, "/settings/journal", world.frame_token).text
    assert "No events yet." in empty
    client = world.client(IVAN)
    world.event("inbox", client_id=client["id"], text="hello")
    html = page(sandbox, "/settings/journal", world.frame_token).text
    assert html.count('name="dialog"') == 1  # one box: the filter and the preview share it
    assert 'id="preview-button"' in html and 'formaction="/settings/journal/preview"' in html
    stamp = re.search(r'<time datetime="(\d{4}-\d\d-\d\dT[\d:.]+Z)">([^<]+)</time>', html)
    assert stamp and stamp.group(2).endswith(" UTC")
    none = page(sandbox, "/settings/journal", world.frame_token, dialog="424242").text
    assert "No events match this filter." in none and "No events yet." not in none
    assert 'id="journal-clear"' in none
    failed = page(sandbox, "/settings/journal", world.frame_token, status="failed").text
    assert "No events match this filter." in failed
