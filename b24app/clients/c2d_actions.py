"""Chat2Desk calls the CRM card tab and the robot make: clients by phone, new clients,
dialogs of a client, dialog state and operator, tags (sources in reference/chat2desk.md §2)."""

import json

from b24app.clients.c2d_errors import Chat2DeskError


def existing_client_id(exc: Chat2DeskError):
    """`POST /clients` for a known phone answers 400 "Client already exist" with the client as a
    JSON string in `errors.client[1]` (reference/chat2desk.md §1, DARIBAR); its id, or None."""
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    if "already exist" not in f"{exc.message} {errors}".lower():
        return None
    for item in errors.get("client") or []:
        try:
            found = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            continue
        if isinstance(found, dict) and found.get("id"):
            return found["id"]
    return None


class ActionsMixin:
    """Reads and writes beyond the close flow's; mixed into Chat2DeskClient."""

    def clients_by_phone(self, phone: str) -> list[dict]:
        """`GET /clients?phone=`: the clients whose phone is this one."""
        return self._list_all("/clients", {"phone": phone})

    def client_dialogs(self, client_id) -> list[dict]:
        """`GET /clients/{id}/dialogs`, newest first."""
        return self._list_all(f"/clients/{client_id}/dialogs", {"order": "desc"})

    def create_client(self, phone: str, transport: str, channel_id, nickname=None) -> dict:
        """`POST /clients`; a phone Chat2Desk knows already gives that client's id back."""
        body = {"phone": phone, "transport": transport, "channel_id": channel_id}
        if nickname:
            body["nickname"] = nickname
        try:
            return self._data("POST", "/clients", body=body) or {}
        except Chat2DeskError as exc:
            found = existing_client_id(exc)
            if found is None:
                raise
            return {"id": found, "existed": True}

    def update_dialog(self, dialog_id, **fields) -> dict:
        """`PUT /dialogs/{id}` with `operator_id` and/or `state` (open | closed)."""
        return self._data("PUT", f"/dialogs/{dialog_id}", body=fields) or {}

    def assign_tags(self, tag_ids, assignee_type: str, assignee_id) -> dict:
        """`POST /tags/assign_to` to a client or a request."""
        body = {
            "tag_ids": [int(t) for t in tag_ids],
            "assignee_type": assignee_type,
            "assignee_id": int(assignee_id),
        }
        return self._data("POST", "/tags/assign_to", body=body) or {}

    def remove_tag(self, tag_id, *, client_id=None, request_id=None) -> dict:
        """`DELETE /tags/{tag_id}/delete_from` with `{client_id}` or `{request_id}`."""
        body = {"client_id": int(client_id)} if client_id else {"request_id": int(request_id)}
        return self._data("DELETE", f"/tags/{tag_id}/delete_from", body=body) or {}
