"""Tag filters: which dialogs may reach Bitrix24 (issue 6).

Request tags are learnt from tag webhooks; client tags from client tag webhooks and the client
card. `allowed` decides notifications, the Open Lines relay and CRM entities alike.
"""

from ..journal import Outcome
from ..phrases import gettext as _
from ..phrases import join

REQUEST_EVENTS = {"add_tag_to_request", "delete_tag_from_request"}
ADDING = {"add_tag_to_request", "add_tag_to_client"}


def tag_label(ctx, tag_id) -> str:
    """A tag's label for the journal ('VIP'), else its id."""
    found = ctx.c2d_item("tags", tag_id)
    return f"'{found.get('label')}'" if found else f"#{tag_id}"


def _labels(ctx, ids) -> str:
    return join(", ", [tag_label(ctx, t) for t in sorted(ids, key=str)])


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
    tagged = _labels(ctx, hits)
    carries = (
        _("the request carries %(tags)s", tags=tagged)
        if on_request
        else _("the client carries %(tags)s", tags=tagged)
    )
    if mode == "only_tagged":
        if hits:
            return True, carries
        return False, _(
            "only dialogs tagged %(tags)s are accepted, and neither "
            "the request nor the client carries one",
            tags=_labels(ctx, chosen),
        )
    if hits:
        return False, _("%(carries)s, and tagged dialogs are rejected", carries=carries)
    return True, ""


def on_tag_event(ctx, event) -> Outcome:
    """Learn the tag; relay earlier messages when the request just became acceptable."""
    if not event.tag_id:
        return Outcome("ignored", _("%(hook)s carries no tag id.", hook=event.hook_type))
    scope = "request" if event.hook_type in REQUEST_EVENTS else "client"
    owner = event.request_id if scope == "request" else event.client_id
    if owner is None:
        names_no = (
            _("%(hook)s names no request.", hook=event.hook_type)
            if scope == "request"
            else _("%(hook)s names no client.", hook=event.hook_type)
        )
        return Outcome("ignored", names_no)
    card = () if scope == "client" else None  # the card already shows this very change
    before, _why = allowed(ctx, event.request_id, event.client_id, card)
    label = tag_label(ctx, event.tag_id)
    if event.hook_type in ADDING:
        ctx.tags.add(scope, owner, event.tag_id)
        decision = _tag_words(scope, owner, label, added=True)
    else:
        ctx.tags.remove(scope, owner, event.tag_id)
        decision = _tag_words(scope, owner, label, added=False)
    after, why = allowed(ctx, event.request_id, event.client_id, card)
    if after != before:
        decision += " " + _reach_words(after, why)
    if after and not before and scope == "request":
        decision += _send_previous(ctx, event.request_id)
    return Outcome("done", decision)


def _tag_words(scope: str, owner, label: str, *, added: bool) -> str:
    if scope == "request":
        if added:
            return _("The request %(id)s now carries the tag %(tag)s.", id=owner, tag=label)
        return _("The tag %(tag)s was removed from the request %(id)s.", id=owner, tag=label)
    if added:
        return _("The client %(id)s now carries the tag %(tag)s.", id=owner, tag=label)
    return _("The tag %(tag)s was removed from the client %(id)s.", id=owner, tag=label)


def _reach_words(after: bool, why: str) -> str:
    if after:
        if why:
            return _("The dialog now reaches Bitrix24 (%(why)s).", why=why)
        return _("The dialog now reaches Bitrix24.")
    if why:
        return _("The dialog no longer reaches Bitrix24 (%(why)s).", why=why)
    return _("The dialog no longer reaches Bitrix24.")


def _send_previous(ctx, request_id) -> str:
    """Relay the request's earlier messages to the Open Line (Open Lines flow), if switched on."""
    common, tags = ctx.settings.get("common", {}), ctx.settings.get("tags", {})
    if not (tags.get("send_previous_on_tag") and common.get("openlines_enabled")):
        return ""
    from . import open_lines

    send = getattr(open_lines, "send_previous", None)
    if send is None:
        return " " + _("Earlier messages were not relayed: the Open Lines relay cannot do it yet.")
    result = send(ctx, request_id)
    return f" {result.decision}" if getattr(result, "decision", "") else ""
