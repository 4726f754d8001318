"""A new request's first `inbox` may come without `dialog_id` and `operator_id`, with
`is_new_request` = 1 — Chat2Desk's own example (c2dbr-pt.gitbook.io/c2dbr/api-and-webhooks/
webhooks-post: `[operator_id] => [dialog_id] => … [is_new_request] => 1`). It is never dropped
(CONTRACT §8 "new request's first message"): the dialog is learnt from the request's messages
(`GET /requests/{id}/messages` rows carry `dialogID`, RA-Company/ctd request.go)."""

from dataclasses import replace

from flask_babel import gettext as _

KIND = "c2d_request_dialog"  # Chat2Desk request id → its dialog id (learnt once)


class DialogNotKnownYetError(Exception):
    """Chat2Desk has not told the message's dialog yet; the journal retries later."""

    transient = True


def _id(value) -> str | None:
    return None if value in (None, "", 0, "0") else str(value)


def known_dialog(ctx, event):
    """The event with its dialog id filled in when Chat2Desk left it empty and it can be learnt."""
    if event.dialog_id or not event.request_id:
        return event
    dialog_id = ctx.records.remote_id(KIND, event.request_id)
    if not dialog_id:
        rows = ctx.c2d.request_messages(event.request_id)
        dialog_id = next(
            (d for d in (_id(r.get("dialogID", r.get("dialog_id"))) for r in rows) if d), None
        )
        if dialog_id:
            ctx.records.put(KIND, event.request_id, dialog_id)
    return replace(event, dialog_id=str(dialog_id)) if dialog_id else event


def require_dialog(event) -> None:
    """The Open Lines relay needs the dialog (its chat id): wait for it rather than drop."""
    if not event.dialog_id:
        raise DialogNotKnownYetError(
            _("Chat2Desk has not told the dialog of request %(id)s yet", id=event.request_id)
        )


def with_dialog(flow):
    """Wrap an inbox flow so that it sees the learnt dialog id."""

    def run(ctx, event):
        return flow(ctx, known_dialog(ctx, event))

    return run
