"""What crosses the Open Lines connector: items, files, signatures, BB-code."""

from b24app.flows import ol_messages as om


def test_operator_text_drops_signature_and_bb_code():
    text = "[b]Anna Petrova:[/b] [br]Hello [b]there[/b][br]See [url=https://x.test/a]the page[/url]"
    assert om.operator_text(text) == "Hello there\nSee the page (https://x.test/a)"
    assert om.operator_text("plain answer") == "plain answer"


def test_files_from_attachments_and_media_only_web_urls_once():
    row = {
        "attachments": [
            {"file": {"url": "https://f.test/a.jpg"}, "original_file_name": "a.jpg"},
            {"link": "https://f.test/b.pdf", "name": "b.pdf"},
            {"link": "javascript:alert(1)", "name": "x"},
        ],
        "photo": "https://f.test/a.jpg",
        "pdf": "https://f.test/c.pdf?sig=1",
    }
    assert om.files_of(row) == [
        {"url": "https://f.test/a.jpg", "name": "a.jpg"},
        {"url": "https://f.test/b.pdf", "name": "b.pdf"},
        {"url": "https://f.test/c.pdf?sig=1", "name": "c.pdf"},
    ]


def test_group_rules_and_signing():
    row = {"extra_data": {"group": 1, "author_phone": "+7000"}}
    assert om.is_group(row) and om.sender_phone(row) == "+7000"
    msg = om.LineMessage(
        id="1", dialog_id="2", client_id="3", text="hi", is_group=True, sender_phone="+7000"
    )
    assert om.line_text(msg, True) == "+7000: hi"
    assert om.line_text(msg, False) == "hi"
    one_to_one = om.LineMessage(
        id="1", dialog_id="2", client_id="3", text="hi", sender_phone="+7000"
    )
    assert om.line_text(one_to_one, True) == "hi"


def test_connector_item_uses_contract_ids_and_real_phone_only():
    msg = om.LineMessage(id="70001", dialog_id="501", client_id="101", text="hi", date=5)
    item = om.connector_item(msg, {"name": "Ivan", "phone": "[tg] 1"}, False)
    assert item["user"] == {"id": "101", "name": "Ivan", "skip_phone_validate": "Y"}
    assert item["message"] == {"id": "70001", "date": 5, "disable_crm": "Y", "text": "hi"}
    assert item["chat"] == {"id": "501", "name": "Ivan"}


def test_unix_time_and_php_lists():
    assert om.unix_time(1700000000) == 1700000000
    assert om.unix_time("2025-05-26T08:21:30 UTC") == 1748247690
    assert om.as_list({"1": "b", "0": "a"}) == ["a", "b"]
