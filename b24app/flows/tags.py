"""Tag filters: which dialogs may reach Bitrix24 (issue 6).

Request tags are learnt from tag webhooks; client tags from client tag webhooks and the client
card. `allowed` decides notifications, the Open Lines relay and CRM entities alike.
"""

from ..journal import Outcome

REQUEST_EVENTS = {"add_tag_to_request", "delete_tag_from_request"}
ADDING = {"add_tag_to_request", "add_tag_to_client"}


def tag_label(ctx, tag_id) -> str:
    """A tag's label for the journal ('VIP'), else its id."""
    try:
        tags = ctx.c2d_lists.tags if ctx.c2d_lists else []
    except Exception:  # noqa: BLE001 - a label is a nicety; never fail a flow for it
        tags = []
    found = next((t for t in tags if str(t.get("id")) == str(tag_id)), None)
    return f"'{found.get('label')}'" if found else f"#{tag_id}"


def _labels(ctx, ids) -> str:
    return ", ".join(tag_label(ctx, t) for t in sorted(ids, key=str))


def card_tags(card: dict | None) -> set[str]:
    """Tag ids on a client card (objects with `id`, or bare ids)."""
    out = set()
    for tag in (card or {}).get("tags") or []:
        value = tag.get("id") if isinstance(tag, dict) else tag
        if value is not None:
            out.add(str(value))
    return out


def client_card_tags(ctx, client_id) -> set[str]:
    """Tags on the client's card, read once per event (the card is the truth for client tags)."""
    cards = ctx.__dict__.setdefault("_card_tags", {})
    if client_id not in cards:
        cards[client_id] = card_tags(ctx.c2d.client(client_id)) if client_id else set()
    return cards[client_id]


def allowed(ctx, request_id, client_id, card_tags=None) -> tuple[bool, str]:
    """Whether the dialog may reach Bitrix24 under the tag mode, and why (in words).

    `card_tags` are the client card's tags when the caller has the card; None reads the card.
    """
    settings = ctx.settings.get("tags", {})
    mode = settings.get("tag_mode", "ignore")
    chosen = {str(t) for t in settings.get("tags") or []}
    if mode not in ("only_tagged", "reject_tagged") or not chosen:
        return True, ""
    if card_tags is None:
        card_tags = client_card_tags(ctx, client_id)
    on_request = ctx.tags.of("request", request_id) & chosen
    on_client = (ctx.tags.of("client", client_id) | {str(t) for t in card_tags}) & chosen
    hits = on_request | on_client
    where = "request" if on_request else "client"
    if mode == "only_tagged":
        if hits:
            return True, f"the {where} carries {_labels(ctx, hits)}"
        return False, (
            f"only dialogs tagged {_labels(ctx, chosen)} are accepted, and neither "
            f"the request nor the client carries one"
        )
    if hits:
        return False, f"the {where} carries {_labels(ctx, hits)}, and tagged dialogs are rejected"
    return True, ""


def on_tag_event(ctx, event) -> Outcome:
    """Learn the tag; relay earlier messages when the request just became acceptable."""
    if not event.tag_id:
        return Outcome("ignored", f"{event.hook_type} carries no tag id.")
    scope = "request" if event.hook_type in REQUEST_EVENTS else "client"
    owner = event.request_id if scope == "request" else event.client_id
    if owner is None:
        return Outcome("ignored", f"{event.hook_type} names no {scope}.")
    card = () if scope == "client" else None  # the card already shows this very change
    before, _ = allowed(ctx, event.request_id, event.client_id, card)
    label = tag_label(ctx, event.tag_id)
    if event.hook_type in ADDING:
        ctx.tags.add(scope, owner, event.tag_id)
        decision = f"The {scope} {owner} now carries the tag {label}."
    else:
        ctx.tags.remove(scope, owner, event.tag_id)
        decision = f"The tag {label} was removed from the {scope} {owner}."
    after, why = allowed(ctx, event.request_id, event.client_id, card)
    if after != before:
        decision += (
            " The dialog now reaches Bitrix24"
            if after
            else " The dialog no longer reaches Bitrix24"
        ) + (f" ({why})." if why else ".")
    if after and not before and scope == "request":
        decision += _send_previous(ctx, event.request_id)
    return Outcome("done", decision)


def _send_previous(ctx, request_id) -> str:
    """Relay the request's earlier messages to the Open Line (Open Lines flow), if switched on."""
    common, tags = ctx.settings.get("common", {}), ctx.settings.get("tags", {})
    if not (tags.get("send_previous_on_tag") and common.get("openlines_enabled")):
        return ""
    from . import open_lines

    send = getattr(open_lines, "send_previous", None)
    if send is None:
        return " Earlier messages were not relayed: the Open Lines relay cannot do it yet."
    result = send(ctx, request_id)
    return f" {result.decision}" if getattr(result, "decision", "") else ""
