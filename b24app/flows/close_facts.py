"""What Chat2Desk says about a closed dialog: ids, client card, transcript, web analytics.

Close payloads carry ids only (CONTRACT §8). With the usual ids the reads are exactly three:
client card, transcript (request scope when the request is known) and web analytics; the
dialog itself is fetched only when an id cannot be learnt from those.
"""

from dataclasses import dataclass, field

from ..clients.c2d_normalize import dialog_client_channel

# operatorID 0 in a request's messages is the system (auto-replies, bots), never an operator
# (RA-Company/ctd request.go: `OperatorID int64`, so a message without an operator carries 0).
SYSTEM_OPERATOR = "0"
ID_NAMES = ("dialog_id", "request_id", "client_id", "operator_id", "channel_id")


@dataclass
class Facts:
    """Ids of the closed dialog plus what was read from Chat2Desk."""

    dialog_id: str | None = None
    request_id: str | None = None
    client_id: str | None = None
    operator_id: str | None = None
    channel_id: str | None = None
    client: dict = field(default_factory=dict)
    messages: list = field(default_factory=list)
    analytics: dict = field(default_factory=dict)
    transport: str = ""
    dialog_fetched: bool = False

    @property
    def origin(self) -> str:
        """ORIGIN_ID of the entity: the request when known, else the dialog."""
        return f"request:{self.request_id}" if self.request_id else f"dialog:{self.dialog_id}"


def _str(value) -> str | None:
    return None if value in (None, "") else str(value)


def from_event(event) -> Facts:
    return Facts(**{name: getattr(event, name) for name in ID_NAMES})


def fill_from_dialog(ctx, facts: Facts) -> None:
    """GET /dialogs/{id} once, for ids the payload and the other reads did not give."""
    if facts.dialog_fetched or not facts.dialog_id:
        return
    dialog = ctx.c2d.dialog(facts.dialog_id) or {}
    facts.dialog_fetched = True
    last_request = (
        dialog.get("last_request") if isinstance(dialog.get("last_request"), dict) else {}
    )
    client_id, channel_id = dialog_client_channel(dialog)
    found = {
        "client_id": client_id,
        "operator_id": dialog.get("operator_id") or None,
        "channel_id": channel_id,
        "request_id": dialog.get("last_request_id")
        or dialog.get("request_id")
        or last_request.get("id"),
    }
    for name, value in found.items():
        if getattr(facts, name) is None:
            setattr(facts, name, _str(value))


def read_dialog_messages(ctx, facts: Facts) -> None:
    """Only the dialog is named: its messages (one read) tell the last request, the client and the
    channel — `GET /dialogs/{id}` would not tell the client (RA-Company/ctd dialogs.go)."""
    rows = [r for r in ctx.c2d.messages(facts.dialog_id) if isinstance(r, dict)]
    last = max((_as_int(r.get("request_id")) for r in rows), default=0)
    if last:
        facts.request_id = str(last)
        rows = [r for r in rows if _as_int(r.get("request_id")) == last]
    facts.messages = rows
    facts.client_id = next((_str(r.get("client_id")) for r in rows if r.get("client_id")), None)


def need_ids(ctx, facts: Facts) -> None:
    """Make sure the client and an owner (request or dialog) are known."""
    if facts.client_id is None and facts.request_id is None and facts.dialog_id:
        read_dialog_messages(ctx, facts)
    if facts.client_id is None or (facts.request_id is None and facts.dialog_id is None):
        fill_from_dialog(ctx, facts)
    if facts.client_id is None and facts.request_id:
        read_transcript(ctx, facts)
        first = next(iter(facts.messages), {})
        facts.client_id = _str(first.get("client_id", first.get("clientID")))
        facts.dialog_id = facts.dialog_id or _str(first.get("dialog_id", first.get("dialogID")))


def read_client(ctx, facts: Facts) -> None:
    """The client card; the channel comes from it when the payload had none."""
    if facts.client_id:
        facts.client = ctx.c2d.client(facts.client_id) or {}
    channels = [c for c in facts.client.get("channels") or [] if isinstance(c, dict)]
    if facts.channel_id is None and len(channels) == 1:
        facts.channel_id = _str(channels[0].get("id"))
    mine = next((c for c in channels if str(c.get("id")) == str(facts.channel_id)), None)
    if mine and mine.get("transports"):
        facts.transport = str(mine["transports"][0])


def read_transcript(ctx, facts: Facts) -> None:
    """Messages of the request when it is known (request scope), else of the whole dialog."""
    if facts.messages:
        return
    if facts.request_id:
        facts.messages = ctx.c2d.request_messages(facts.request_id)
    elif facts.dialog_id:
        facts.messages = ctx.c2d.messages(facts.dialog_id)


def read_analytics(ctx, facts: Facts) -> None:
    """The latest web-analytics row of the client (highest id, else the last one)."""
    rows = ctx.c2d.web_analytics(facts.client_id) if facts.client_id else []
    rows = [r for r in rows or [] if isinstance(r, dict)]
    if rows:
        facts.analytics = max(rows, key=lambda r: (_as_int(r.get("id")), rows.index(r)))


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def learn_from_messages(facts: Facts) -> None:
    """Operator, channel and transport from the transcript when still unknown."""
    for msg in reversed(facts.messages):
        op = _str(msg.get("operator_id", msg.get("operatorID")))
        if facts.operator_id is None and op and op != SYSTEM_OPERATOR:
            facts.operator_id = op
        if facts.channel_id is None:
            facts.channel_id = _str(msg.get("channel_id", msg.get("channelID")))
        if not facts.transport and msg.get("transport"):
            facts.transport = str(msg["transport"])


def read_rest(ctx, facts: Facts) -> None:
    """Transcript and analytics; the dialog only if operator or channel is still unknown."""
    read_transcript(ctx, facts)
    read_analytics(ctx, facts)
    learn_from_messages(facts)
    if facts.operator_id is None or facts.channel_id is None:
        fill_from_dialog(ctx, facts)


def first_client_message(facts: Facts) -> str | None:
    """Id of the message that started the request (for the `message_id` mapping)."""
    for msg in sorted(facts.messages, key=lambda m: _as_int(m.get("id"))):
        if msg.get("type") in ("from_client", "in"):
            return _str(msg.get("id"))
    return None
