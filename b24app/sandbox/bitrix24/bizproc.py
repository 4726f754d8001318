"""Application robots: bizproc.robot.add|update|list|delete, bizproc.event.send, and a run of
a robot on a CRM document (b24restdocs api-reference/bizproc/bizproc-robot/*.md)."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from .envelope import ApiError, param
from .fire import deliver, event_auth
from .registry import Ctx, method
from .state import FakeState, Portal

_CODE = re.compile(r"^[A-Za-z0-9._-]+$")  # bizproc-robot-add.md: a-z, A-Z, 0-9, dot, -, _
DOCUMENTS = {  # bizproc-robot-add.md: DOCUMENT_TYPE values of the CRM module
    "deal": ["crm", "CCrmDocumentDeal", "DEAL"],
    "lead": ["crm", "CCrmDocumentLead", "LEAD"],
}


def _admin(ctx: Ctx) -> None:
    if not ctx.is_admin:  # bizproc-robot-add.md: "Access denied!" for a non-administrator
        raise ApiError(403, "ACCESS_DENIED", "Access denied!")


def _check(fields: dict[str, Any]) -> None:
    handler = str(fields.get("HANDLER") or "")
    if not handler.startswith(("http://", "https://")):
        raise ApiError(400, "ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol")
    if not fields.get("NAME"):
        raise ApiError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity NAME!")
    for key in ("PROPERTIES", "RETURN_PROPERTIES"):
        props = fields.get(key) or {}
        if not isinstance(props, dict):
            raise ApiError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong properties array!")
        for name, prop in props.items():
            if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
                raise ApiError(
                    400, "ERROR_ACTIVITY_VALIDATION_FAILURE", f"Wrong property key {name}!"
                )
            if not isinstance(prop, dict) or not prop.get("Name"):
                raise ApiError(
                    400, "ERROR_ACTIVITY_VALIDATION_FAILURE", f"Empty property NAME {name}!"
                )


@method("bizproc.robot.add")
def robot_add(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Register a robot; a code already installed is refused (bizproc-robot-add.md)."""
    _admin(ctx)
    code = str(param(params, "CODE") or "")
    if not code:
        raise ApiError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity code!")
    if not _CODE.match(code):
        raise ApiError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong activity code!")
    if code in ctx.portal.robots:
        raise ApiError(
            400,
            "ERROR_ACTIVITY_ALREADY_INSTALLED",
            "Activity or Automation rule already installed!",
        )
    fields = {k.upper(): v for k, v in params.items() if k.upper() != "CODE"}
    _check(fields)
    ctx.portal.robots[code] = {"CODE": code, **fields}
    return True


@method("bizproc.robot.update")
def robot_update(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Change a registered robot's FIELDS (bizproc-robot-update.md)."""
    _admin(ctx)
    code = str(param(params, "CODE") or "")
    fields = param(params, "FIELDS") or {}
    if code not in ctx.portal.robots:
        raise ApiError(400, "ERROR_ACTIVITY_NOT_FOUND", "Activity or Automation rule not found!")
    if not isinstance(fields, dict) or not fields:
        raise ApiError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty data!")
    merged = {**ctx.portal.robots[code], **{k.upper(): v for k, v in fields.items()}}
    _check(merged)
    ctx.portal.robots[code] = merged
    return True


@method("bizproc.robot.list")
def robot_list(ctx: Ctx, params: dict[str, Any]) -> list[str]:
    """Codes of the application's robots (bizproc-robot-list.md)."""
    _admin(ctx)
    return list(ctx.portal.robots)


@method("bizproc.robot.delete")
def robot_delete(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Remove a robot (bizproc-robot-delete.md)."""
    _admin(ctx)
    code = str(param(params, "CODE") or "")
    if ctx.portal.robots.pop(code, None) is None:
        raise ApiError(400, "ERROR_ACTIVITY_NOT_FOUND", "Activity or Automation rule not found!")
    return True


@method("bizproc.event.send")
def event_send(ctx: Ctx, params: dict[str, Any]) -> bool:
    """Return values to a waiting robot; an unknown token is ACCESS_DENIED (bizproc-event-send.md).
    Every call is recorded, so a test can count them per event_token."""
    token = str(param(params, "EVENT_TOKEN") or "")
    run = ctx.portal.robot_runs.get(token)
    if run is None:
        raise ApiError(403, "ACCESS_DENIED", "Access denied!")
    values = param(params, "RETURN_VALUES") or {}
    run["sent"].append(
        {
            "return_values": values if isinstance(values, dict) else {},
            "log_message": str(param(params, "LOG_MESSAGE") or ""),
            "ts": time.time(),
        }
    )
    return True


def robot_job(
    state: FakeState,
    portal: Portal,
    base: str,
    code: str,
    kind: str,
    entity_id: int,
    properties: dict,
    user_id: int = 1,
) -> dict:
    """The robot call as CONTRACT §8 "robot call" describes it, and its run record."""
    with state.lock:
        robot = portal.robots[code]
        token = (
            f"{secrets.token_hex(6)}|A{entity_id}_{secrets.token_hex(4)}|{secrets.token_hex(16)}"
        )
        document = DOCUMENTS[kind]
        payload = {
            "workflow_id": secrets.token_hex(11),
            "code": code,
            "document_id": [document[0], document[1], f"{document[2]}_{entity_id}"],
            "document_type": list(document),
            "event_token": token,
            "properties": dict(properties),
            "use_subscription": str(robot.get("USE_SUBSCRIPTION") or "Y"),
            "timeout_duration": "0",
            "ts": str(int(time.time())),
            "auth": event_auth(state, portal, base, "ROBOT", user_id),
        }
        portal.robot_runs[token] = {
            "code": code,
            "kind": kind,
            "entity_id": entity_id,
            "properties": dict(properties),
            "sent": [],
            "ts": time.time(),
        }
        return {"event": "ROBOT", "handler": robot["HANDLER"], "payload": payload, "token": token}


def run_robot(
    state: FakeState,
    portal: Portal,
    base: str,
    code: str,
    kind: str,
    entity_id: int,
    properties: dict,
    user_id: int = 1,
) -> dict:
    """Run the robot on a document: POST to its handler, return the delivery and the run."""
    job = robot_job(state, portal, base, code, kind, entity_id, properties, user_id)
    [done] = deliver(state, portal, [job])
    return {
        "token": job["token"],
        "status": done["status"],
        "response": done["response"],
        "payload": job["payload"],
    }
