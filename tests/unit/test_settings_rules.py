"""Dependency rules and choice building of the settings tabs, without HTTP."""

from types import SimpleNamespace

from b24app.tabs import rules
from b24app.tabs.options import crm_field_options, crm_options, mark, user_options

USERS = [
    {"ID": "1", "NAME": "John", "LAST_NAME": "Smith", "EMAIL": "Admin@Example.com", "ACTIVE": True},
    {"ID": "2", "NAME": "Anna", "LAST_NAME": "P", "EMAIL": "anna@example.com", "ACTIVE": True},
    {"ID": "6", "NAME": "Olga", "LAST_NAME": "I", "EMAIL": "olga@example.com", "ACTIVE": False},
]
OPERATORS = [
    {"id": 1, "email": "admin@example.com "},
    {"id": 2, "email": "ANNA@example.com"},
    {"id": 3, "email": ""},
    {"id": 4, "email": "nobody@example.com"},
]


def test_sign_group_phone_needs_open_lines():
    errors = rules.common_errors({"sign_group_phone": True}, {}, {})
    assert "Transfer messages to Open Lines" in errors["sign_group_phone"]
    assert "openlines_enabled" not in errors


def test_open_line_is_required_when_open_lines_are_on():
    errors = rules.common_errors({"openlines_enabled": True, "openline_id": ""}, {}, {})
    assert "Transfer messages to Open Lines" in errors["openline_id"]
    assert rules.common_errors({"openlines_enabled": True, "openline_id": "1"}, {}, {}) == {}


def test_turning_open_lines_off_names_every_dependent():
    errors = rules.common_errors(
        {"sign_group_phone": True}, {"openlines_enabled": True}, {"send_previous_on_tag": True}
    )
    message = errors["openlines_enabled"]
    assert "Sign the phone number in group-chat messages" in message
    assert "Send earlier messages to Open Lines after tagging" in message


def test_tags_rules():
    errors = rules.tags_errors(
        {"tag_mode": "only_tagged", "tags": [], "send_previous_on_tag": True},
        {"openlines_enabled": False},
    )
    assert "Tag processing" in errors["tags"]
    assert "Transfer messages to Open Lines" in errors["send_previous_on_tag"]
    assert rules.tags_errors({"tag_mode": "ignore", "tags": []}, {}) == {}
    assert (
        rules.tags_errors(
            {"tag_mode": "reject_tagged", "tags": ["1"], "send_previous_on_tag": True},
            {"openlines_enabled": True},
        )
        == {}
    )


def test_utm_all_only_accepts_single_string_fields():
    assert rules.utm_all_refusal("Comment", {"type": "string"}) is None
    assert "string field" in rules.utm_all_refusal("Budget", {"type": "double"})
    assert rules.utm_all_refusal("Tags", {"type": "string", "isMultiple": True})
    fields = {
        "COMMENTS": {"type": "string", "title": "Comment"},
        "UF_CRM_2": {"type": "double", "title": "UF_CRM_2", "listLabel": "Budget"},
        "ID": {"type": "integer", "isReadOnly": True},
        "ORIGIN_ID": {"type": "string"},
    }
    live, refused, _names = crm_field_options(fields, only_strings=True)
    assert [code for code, _label in live] == ["", "COMMENTS"]
    assert "Budget" in refused["UF_CRM_2"]


def test_match_by_email_fills_only_unmapped_rows_case_insensitively():
    found = rules.match_by_email(OPERATORS, USERS, {"user_2": "6"})
    assert found == {"user_1": "1"}
    assert rules.match_by_email(OPERATORS, USERS, {}) == {"user_1": "1", "user_2": "2"}


def test_stale_and_refused_values_are_shown_and_refused():
    field = SimpleNamespace(choices=None, refused=None)
    mark(field, [("", "—"), ("A", "a")], "GONE", {"X": "not allowed"})
    assert ("GONE", "GONE (no longer exists)") in field.choices
    assert "no longer exists" in field.refused["GONE"] and "X" in field.refused
    live, refused = user_options(USERS)
    assert [v for v, _l in live] == ["", "1", "2"] and "deactivated" in refused["6"]


def test_crm_options_follow_the_crm_mode():
    def lists(mode):
        return SimpleNamespace(
            crm_mode=mode,
            categories=[{"id": 0, "name": "General"}],
            default_category_name=lambda: "General",
        )

    simple, refused = crm_options(lists(2))
    assert simple[0] == ("default", "Default (deal in “General”)") and "lead" in refused
    assert "lead" not in [v for v, _l in simple]
    classic, refused = crm_options(lists(1))
    assert classic[0] == ("default", "Default (lead)") and ("lead", "Lead") in classic
    assert ("deal:0", "Deal in “General”") in classic and refused == {}
