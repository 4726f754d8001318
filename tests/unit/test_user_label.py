"""The journal names Bitrix24 users from the cached lists, never with an extra request."""

from b24app import choices
from b24app.flows.context import Context
from b24app.models import Portal


def test_user_label_uses_cached_names_else_the_id(app):
    with app.test_request_context():
        portal = Portal(
            id=4242, member_id="u", domain="d", client_endpoint="x", server_endpoint="y"
        )
        ctx = Context(portal=portal, settings={}, public_url="https://app.test")
        assert ctx.user_label(7) == "user 7"
        lists = choices.Bitrix24Lists(users=[{"ID": "7", "NAME": "Olga", "LAST_NAME": "Ivanova"}])
        choices._cached((4242, "b24"), lambda: lists, refresh=True)
        try:
            assert ctx.user_label(7) == "Olga Ivanova (#7)"
            assert ctx.user_label(8) == "user 8"
        finally:
            choices.invalidate(portal)
