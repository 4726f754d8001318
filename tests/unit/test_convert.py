"""Chat2Desk values → Bitrix24 field types, and transcript lines."""

import pytest

from b24app.flows import transcript
from b24app.flows.convert import Unconvertible, convert

ENUM = {
    "type": "enumeration",
    "items": [{"ID": "101", "VALUE": "Retail"}, {"ID": "102", "VALUE": "Wholesale"}],
}


@pytest.mark.parametrize(
    ("value", "ftype", "expected"),
    [
        ("Romashka LLC", "string", "Romashka LLC"),
        (150000, "string", "150000"),
        (150000, "double", 150000.0),
        ("250000.50", "double", 250000.5),
        ("1 500,50", "double", 1500.5),
        ("1\u00a0500,50", "double", 1500.5),
        ("1,500.50", "double", 1500.5),
        ("1.500,50", "double", 1500.5),
        ("-3", "double", -3.0),
        ("1 500", "integer", 1500),
        ("42", "integer", 42),
        (7.0, "integer", 7),
        ("1990-05-17", "date", "1990-05-17"),
        ("17.05.1991", "date", "1991-05-17"),
        ("2025-05-26T08:15:02 UTC", "date", "2025-05-26"),
        ("2025-05-26T08:15:02 UTC", "datetime", "2025-05-26T08:15:02+00:00"),
        ("2025-05-26T08:15:02Z", "datetime", "2025-05-26T08:15:02+00:00"),
        ("2025-05-26T08:15:02+03:00", "datetime", "2025-05-26T08:15:02+03:00"),
        ("26.05.2025 08:15", "datetime", "2025-05-26T08:15:00+00:00"),
        ("1990-05-17", "datetime", "1990-05-17T00:00:00+00:00"),
        (0, "datetime", "1970-01-01T00:00:00+00:00"),
        ("yes", "boolean", 1),
        ("Нет", "boolean", 0),
        (True, "boolean", 1),
        ("Y", "char", "Y"),
    ],
)
def test_converts_by_type(value, ftype, expected):
    assert convert(value, {"type": ftype}) == expected


def test_enumeration_matches_label_case_insensitively_or_id():
    assert convert("wholesale", ENUM) == "102"
    assert convert(" RETAIL ", ENUM) == "101"
    assert convert("101", ENUM) == "101"


@pytest.mark.parametrize(
    ("value", "ftype", "words"),
    [
        ("about 5k", "double", "'about 5k' is not a number"),
        ("12.5", "integer", "'12.5' is not a whole number"),
        (True, "double", "is not a number"),
        ("next week", "date", "'next week' is not a date"),
        ("31.02.2020", "date", "is not a date"),
        ("soon", "datetime", "is not a date and time"),
        ("maybe", "boolean", "'maybe' is not yes or no"),
        ("", "string", "is empty"),
        (None, "string", "is empty"),
        ([1, 2], "string", "not a single value"),
    ],
)
def test_unconvertible_values_say_why(value, ftype, words):
    with pytest.raises(Unconvertible, match=words):
        convert(value, {"type": ftype})


def test_enumeration_unknown_label_lists_the_items():
    with pytest.raises(Unconvertible, match=r"'Corporate' is not an item of the list \(Retail, "):
        convert("Corporate", ENUM)


def test_unknown_type_passes_text_and_multiple_fields_get_a_list():
    assert convert(5, {"type": "crm_status"}) == "5"
    assert convert("x", {"type": "string", "isMultiple": True}) == ["x"]
    assert convert("x", None) == "x"


def test_transcript_lines_name_speakers_with_times_and_links():
    messages = [
        {
            "id": 2,
            "type": "to_client",
            "text": "Hi!",
            "operator_id": 3,
            "created": "2026-11-27T10:16:00 UTC",
        },
        {
            "id": 1,
            "type": "from_client",
            "text": "Hello",
            "created": "2026-11-27T10:15:00 UTC",
            "attachments": [{"name": "room.jpg", "link": "https://f.example/room.jpg"}],
        },
        {
            "id": 3,
            "type": "out",
            "text": "",
            "operatorID": 9,
            "created": 1795774560,
            "photo": "https://f.example/p.png",
        },
        {"id": 4, "type": "system", "text": "Dialog closed", "created": None},
    ]
    text = transcript.render(messages, "Ivan", {"3": "Olga"}, "Dialog 1")
    assert text.splitlines() == [
        "Dialog 1",
        "[27.11.2026 10:15] Ivan: Hello [url=https://f.example/room.jpg]room.jpg[/url]",
        "[27.11.2026 10:16] Olga: Hi!",
        "[27.11.2026 10:16] Operator: [url=https://f.example/p.png]p.png[/url]",
        "System: Dialog closed",
    ]
