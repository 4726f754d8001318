"""Notifications to Bitrix24 users about incoming messages and assignments (issue 6).

One Bitrix24 request per notification: a `batch` of `imbot.message.add` (one per recipient),
or of `im.notify.system.add` when the portal has no bot or the bot call fails.
"""

from ..journal import Outcome
from ..links import dialog_link, entity_url
from ..phrases import gettext as _
from ..phrases import join
from . import tags
from .bbcode import plain
from .people import display_name

CLIENT_TYPES = ("", "from_client")


def entity_label(kind: str, entity_id) -> str:
    """'Deal #12' in the portal's language; '' for an unknown kind."""
    labels = {
        "deal": _("Deal #%(id)s", id=entity_id),
        "lead": _("Lead #%(id)s", id=entity_id),
        "contact": _("Contact #%(id)s", id=entity_id),
    }
    return labels.get(kind, "")


def mapped_user(ctx, operator_id) -> int | None:
    """The Bitrix24 user mapped to a Chat2Desk operator on the Operators tab."""
    if operator_id in (None, ""):
        return None
    value = str(ctx.settings.get("operators", {}).get(f"user_{operator_id}") or "").strip()
    return int(value) if value.isdigit() else None


def operator_name(ctx, operator_id) -> str:
    """'Ivan Petrov' for the journal, else '#3'."""
    op = ctx.c2d_item("operators", operator_id)
    name = " ".join(str(op.get(k) or "") for k in ("first_name", "last_name")).strip() if op else ""
    return name or f"#{operator_id}"


def recipients(ctx, operator_id) -> tuple[list[int], str]:
    """Operator's user → else supervisors' users → else portal admins; with the reason."""
    user = mapped_user(ctx, operator_id)
    if user:
        return [user], _(
            "the mapped user of operator %(operator)s", operator=operator_name(ctx, operator_id)
        )
    why = (
        _("operator %(operator)s has no mapped user", operator=operator_name(ctx, operator_id))
        if operator_id
        else _("the dialog has no operator")
    )
    supervisors = ctx.c2d_lists.supervisors() if ctx.c2d_lists else []
    users = _unique(mapped_user(ctx, s) for s in supervisors)
    if users:
        names = ", ".join(operator_name(ctx, s) for s in supervisors if mapped_user(ctx, s))
        return users, _(
            "%(why)s, so the mapped users of Chat2Desk supervisors (%(names)s)",
            why=why,
            names=names,
        )
    portal = ctx.portal
    admins = _unique([portal.installer_user_id, *(portal.admin_user_ids or [])])
    return admins, _("%(why)s and no supervisor is mapped, so the portal admins", why=why)


def _unique(values) -> list[int]:
    out: list[int] = []
    for value in values:
        if value and int(value) not in out:
            out.append(int(value))
    return out


def entity_links(ctx, event) -> list[str]:
    """BB-code links to CRM entities the app already made or linked for this dialog/client."""
    refs = []
    for kind, key in (("crm_dialog", event.dialog_id), ("crm_client", event.client_id)):
        value = ctx.records.remote_id(kind, key) if key else None
        if value and value not in refs:
            refs.append(value)
    contact = ctx.records.remote_id("crm_contact", event.client_id) if event.client_id else None
    if contact:
        refs.append(f"contact:{contact}")
    out = []
    for ref in refs:
        kind, _sep, entity_id = ref.partition(":")
        label = entity_label(kind, entity_id) if entity_id else ""
        if label:
            url = entity_url(ctx.portal, kind, entity_id)
            out.append(f"[url={url}]{label}[/url]")
    return out


def client_name(event) -> str:
    client = event.payload.get("client") if isinstance(event.payload.get("client"), dict) else {}
    return display_name(client, event.client_id)


def assigned_client(ctx, event) -> str:
    """Who the assigned dialog is with: the payload's client, else the client card (one
    Chat2Desk read); '' when names are switched off or cannot be had."""
    from ..clients.chat2desk import Chat2DeskError

    if not ctx.settings.get("operators", {}).get("show_client_name") or not event.client_id:
        return ""
    client = event.payload.get("client") if isinstance(event.payload.get("client"), dict) else {}
    if not client:
        try:
            client = ctx.c2d.client(event.client_id) or {}
        except Chat2DeskError:  # a name is a nicety; the notification still goes out
            client = {}
    return display_name(client, event.client_id)


def inbox_message(ctx, event, user_id: int, entities: list[str]) -> str:
    """The notification text with the parts switched on in the Operators tab."""
    show = ctx.settings.get("operators", {})
    name = client_name(event)
    head = (
        _("New message from %(name)s", name=plain(name))
        if show.get("show_client_name") and name
        else _("New message in Chat2Desk")
    )
    lines = [f"[b]{head}[/b]"]
    if show.get("show_text"):
        lines.append(plain(event.text.strip()) or _("(attachment)"))
    if show.get("show_dialog_id") and event.dialog_id:
        lines.append(_("Dialog: %(id)s", id=event.dialog_id))
    if show.get("show_dialog_link") and event.dialog_id:
        lines.append(_open_link(ctx, event.dialog_id, user_id))
    if show.get("show_entity_links") and entities:
        lines.append(_("CRM: %(links)s", links=", ".join(entities)))
    return "\n".join(lines)


def _open_link(ctx, dialog_id, user_id: int) -> str:
    label = _("Open the dialog")
    return f"[url={_link(ctx, dialog_id, user_id)}]{label}[/url]"


def _link(ctx, dialog_id, user_id: int) -> str:
    mode = ctx.settings.get("common", {}).get("dialog_links", "chat2desk")
    return dialog_link(ctx.portal, dialog_id, user_id, mode, ctx.api_url)


def send(ctx, messages: dict[int, str], dialog_id) -> str:
    """One batch to all recipients; the bot when there is one, else system notifications."""
    bot = ctx.portal.bot_id
    if bot:
        result = ctx.b24.batch(
            {
                f"u{uid}": ("imbot.message.add", {"BOT_ID": bot, "DIALOG_ID": uid, "MESSAGE": text})
                for uid, text in messages.items()
            }
        )
        _raise_transient(result)
        failed = {uid: t for uid, t in messages.items() if f"u{uid}" in result.errors}
        if not failed:
            return _("by the app's bot")
        how = _("by the app's bot; by system notification where the bot failed")
    else:
        failed, how = messages, _("by system notification (the portal has no app bot)")
    result = ctx.b24.batch(
        {
            f"u{uid}": (
                "im.notify.system.add",
                # a TAG removes every earlier notice with it, for every user
                # (api-reference/chats/notifications/im-notify-system-add.md): one per recipient
                {"USER_ID": uid, "MESSAGE": text, "TAG": f"c2d:{dialog_id}:{uid}"},
            )
            for uid, text in failed.items()
        }
    )
    result.raise_first()
    return how


def _raise_transient(result) -> None:
    for error in result.errors.values():
        if error.transient:
            raise error


def _deliver(ctx, event, users: list[int], why: str, build) -> Outcome:
    """Send once per event key (a retry after success sends nothing)."""
    if ctx.records.get("notify", event.key):
        return Outcome("done", _("Already notified for this event."))
    how = send(ctx, {uid: build(uid) for uid in users}, event.dialog_id or event.client_id)
    ctx.records.put("notify", event.key, ",".join(map(str, users)))
    who = join(", ", [ctx.user_label(uid) for uid in users])
    words = _("Notified %(users)s %(how)s: %(why)s.", users=who, how=how, why=why)
    return Outcome("done", words, notified=len(users))


def on_inbox(ctx, event) -> Outcome:
    """A client's message: tell the responsible people in Bitrix24."""
    if event.message_type not in CLIENT_TYPES:
        return Outcome(
            "ignored",
            _("Not a client message (%(type)s); no notification.", type=event.message_type),
        )
    if not ctx.settings.get("common", {}).get("notify_incoming"):
        return Outcome("done", _("Incoming-message notifications are off."))
    ok, why = tags.allowed(ctx, event.request_id, event.client_id)
    if not ok:
        return Outcome("filtered", _("No notification: %(why)s.", why=why))
    users, reason = recipients(ctx, event.operator_id)
    if not users:
        return Outcome("done", _("No one to notify: %(why)s, and none is known.", why=reason))
    show_links = ctx.settings.get("operators", {}).get("show_entity_links")
    entities = entity_links(ctx, event) if show_links else []
    return _deliver(ctx, event, users, reason, lambda uid: inbox_message(ctx, event, uid, entities))


def on_transfer(ctx, event) -> Outcome:
    """A dialog was assigned or transferred: tell the new operator's Bitrix24 user."""
    if not ctx.settings.get("operators", {}).get("notify_assignment"):
        return Outcome("done", _("Assignment notifications are off."))
    ok, why = tags.allowed(ctx, event.request_id, event.client_id)
    if not ok:
        return Outcome("filtered", _("No notification: %(why)s.", why=why))
    operator = operator_name(ctx, event.operator_id)
    user = mapped_user(ctx, event.operator_id)
    if not user:
        return Outcome(
            "done",
            _(
                "No notification: operator %(operator)s has no mapped Bitrix24 user.",
                operator=operator,
            ),
        )

    name = assigned_client(ctx, event)

    def build(uid: int) -> str:
        head = (
            _(
                "Dialog %(id)s with %(name)s was assigned to you in Chat2Desk",
                id=event.dialog_id,
                name=plain(name),
            )
            if name
            else _("Dialog %(id)s was assigned to you in Chat2Desk", id=event.dialog_id)
        )
        text = f"[b]{head}[/b]"
        if event.dialog_id:
            text += "\n" + _open_link(ctx, event.dialog_id, uid)
        return text

    why = _("the mapped user of the new operator %(operator)s", operator=operator)
    return _deliver(ctx, event, [user], why, build)
