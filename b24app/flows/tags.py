"""Tag filters: which dialogs may reach Bitrix24 (issue 6)."""

from ..journal import Outcome


def on_tag_event(ctx, event) -> Outcome:
    return Outcome("done", "Tag event recorded.")
