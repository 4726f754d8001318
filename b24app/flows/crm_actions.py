"""What the CRM card tab's forms do in Chat2Desk, each said in words.

Every action except `write_first` names one of the entity's own dialogs; any other dialog id
does nothing (CONTRACT §8 "CRM tab refusals"). Actions other than a reply leave an internal
note (`type=comment`, never shown to the client) so they show up in the dialog's transcript.
"""

from contextlib import suppress
from dataclasses import dataclass

from ..phrases import gettext as _
from .crm_tab import TabView, operator_label

DIALOG_ACTIONS = ("reply", "tag_add", "tag_remove", "close", "reopen", "assign")


@dataclass(frozen=True)
class Done:
    """An action's result: whether it happened and what to tell the user."""

    ok: bool
    message: str


def act(ctx, view: TabView, action: str, data: dict, user_id: int) -> Done:
    """Run one action of the tab for `user_id`; never on a dialog of another client."""
    if action == "write_first":
        from .write_first import write_first

        return write_first(ctx, view, data, user_id)
    client, dialog = view.dialog(data.get("dialog_id"))
    if action not in DIALOG_ACTIONS or dialog is None:
        return Done(False, _("This dialog is not one of this record's dialogs; nothing was done."))
    with suppress(Exception):  # the cached user list names the user in the note; else the id
        ctx.b24_lists  # noqa: B018
    return HANDLERS[action](ctx, client, dialog, data, ctx.user_label(user_id))


def _note(ctx, client, dialog, text: str) -> None:
    """An internal note in the dialog: the action shows up in the transcript."""
    ctx.c2d.send_message(
        client.id,
        text,
        channel_id=dialog.get("channel_id"),
        type="comment",
        open_dialog=False,
    )


def _reply(ctx, client, dialog, data, who) -> Done:
    ctx.c2d.send_message(
        client.id,
        data["text"],
        channel_id=dialog.get("channel_id"),
        transport=dialog.get("transport") or None,
    )
    return Done(True, _("The message was sent to the client."))


def _tag_label(ctx, tag_id) -> str:
    tag = ctx.c2d_item("tags", tag_id) or {}
    return str(tag.get("label") or f"#{tag_id}")


def _tag_add(ctx, client, dialog, data, who) -> Done:
    tag_id, label = data["tag_id"], _tag_label(ctx, data["tag_id"])
    if tag_id in {t for t, _label in client.tags}:
        return Done(True, _("The client already has the tag “%(tag)s”.", tag=label))
    ctx.c2d.assign_tags([tag_id], "client", client.id)
    _note(
        ctx, client, dialog, _("%(user)s added the tag “%(tag)s” in Bitrix24.", user=who, tag=label)
    )
    return Done(True, _("The tag “%(tag)s” was added to the client.", tag=label))


def _tag_remove(ctx, client, dialog, data, who) -> Done:
    tag_id, label = data["tag_id"], _tag_label(ctx, data["tag_id"])
    if tag_id not in {t for t, _label in client.tags}:
        return Done(False, _("The client has no tag “%(tag)s”; nothing was removed.", tag=label))
    ctx.c2d.remove_tag(tag_id, client_id=client.id)
    _note(
        ctx,
        client,
        dialog,
        _("%(user)s removed the tag “%(tag)s” in Bitrix24.", user=who, tag=label),
    )
    return Done(True, _("The tag “%(tag)s” was removed from the client.", tag=label))


def _state(wanted: str):
    def run(ctx, client, dialog, data, who) -> Done:
        dialog_id = dialog["dialog"]["id"]
        if dialog["dialog"].get("state") == wanted:
            if wanted == "closed":
                return Done(True, _("Dialog %(id)s is already closed.", id=dialog_id))
            return Done(True, _("Dialog %(id)s is already open.", id=dialog_id))
        if wanted == "closed":
            _note(ctx, client, dialog, _("%(user)s closed the dialog in Bitrix24.", user=who))
            ctx.c2d.update_dialog(dialog_id, state="closed")
            return Done(True, _("Dialog %(id)s was closed.", id=dialog_id))
        ctx.c2d.update_dialog(dialog_id, state="open")
        _note(ctx, client, dialog, _("%(user)s reopened the dialog in Bitrix24.", user=who))
        return Done(True, _("Dialog %(id)s was reopened.", id=dialog_id))

    return run


def _assign(ctx, client, dialog, data, who) -> Done:
    operator_id, dialog_id = data["operator_id"], dialog["dialog"]["id"]
    name = operator_label(ctx, operator_id)
    if str(dialog["dialog"].get("operator_id")) == str(operator_id):
        return Done(True, _("%(operator)s already has dialog %(id)s.", operator=name, id=dialog_id))
    ctx.c2d.update_dialog(dialog_id, operator_id=int(operator_id))
    _note(
        ctx,
        client,
        dialog,
        _("%(user)s assigned the dialog to %(operator)s in Bitrix24.", user=who, operator=name),
    )
    return Done(True, _("Dialog %(id)s was assigned to %(operator)s.", id=dialog_id, operator=name))


HANDLERS = {
    "reply": _reply,
    "tag_add": _tag_add,
    "tag_remove": _tag_remove,
    "close": _state("closed"),
    "reopen": _state("open"),
    "assign": _assign,
}
