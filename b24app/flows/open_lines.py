"""Open Lines relay through the app's own connector, both ways (issue 7)."""

from ..journal import Outcome


def on_inbox(ctx, event) -> Outcome:
    return Outcome("ignored", "")


def on_outbox(ctx, event) -> Outcome:
    return Outcome("ignored", "Open Lines relay is off.")


def on_operator_message(ctx, event) -> tuple[dict, int]:
    return {"ok": True, "done": "ignored", "reason": "Open Lines relay is not enabled"}, 200
