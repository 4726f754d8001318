"""Bind the CRM card tabs and register the robot at install and update — idempotently.

Bitrix24 keeps a handler bound twice (placement-get.md lists the same handler twice), so the
app reads what is bound first and binds only what is missing; a robot code that exists is
updated instead of added (bizproc-robot-add.md: ERROR_ACTIVITY_ALREADY_INSTALLED). Bitrix24
removes both itself at uninstall (CONTRACT §8)."""

import logging

from ..clients.bitrix24 import Bitrix24Error
from ..flows.crm_tab import PLACEMENTS

log = logging.getLogger(__name__)
TAB_PATH = "/crm/tab"
LINK_PATH = "/dialogs/open"  # REST_APP_URI: dialog links open inside the portal
ROBOT_PATH = "/bitrix/robots/send_message"
ROBOT_CODE = "c2d_send_message"
TITLES = {"en": "Chat2Desk", "ru": "Chat2Desk", "es": "Chat2Desk", "pt": "Chat2Desk"}
ROBOT_NAMES = {
    "en": "Send a message via Chat2Desk",
    "ru": "Отправить сообщение через Chat2Desk",
    "es": "Enviar un mensaje por Chat2Desk",
    "pt": "Enviar uma mensagem pelo Chat2Desk",
}


def _prop(names: tuple[str, str, str, str], kind: str = "string", required: bool = False):
    prop = {"Name": dict(zip(("en", "ru", "es", "pt"), names, strict=True)), "Type": kind}
    if required:
        prop["Required"] = "Y"
    return prop


def robot_fields(public_url: str, user_id) -> dict:
    """bizproc.robot.add fields (CONTRACT §8 "robot": properties and return values)."""
    fields = {
        "HANDLER": public_url + ROBOT_PATH,
        "USE_SUBSCRIPTION": "Y",
        "NAME": ROBOT_NAMES,
        "PROPERTIES": {
            "text": _prop(("Message text", "Текст сообщения", "Texto", "Texto"), "text", True),
            "channel_id": _prop(("Channel id", "ID канала", "ID del canal", "ID do canal")),
            "transport": _prop(("Messenger", "Мессенджер", "Mensajero", "Mensageiro")),
        },
        "RETURN_PROPERTIES": {
            "message_id": _prop(("Message id", "ID сообщения", "ID del mensaje", "ID da mensagem")),
            "status": _prop(("Status", "Статус", "Estado", "Status")),
            "error": _prop(("Error", "Ошибка", "Error", "Erro")),
        },
        "FILTER": {"INCLUDE": [["crm", "CCrmDocumentDeal"], ["crm", "CCrmDocumentLead"]]},
    }
    if user_id:
        fields["AUTH_USER_ID"] = int(user_id)
    return fields


def commands(public_url: str, bound: list, robots: list, user_id) -> dict:
    """The write batch: missing tab bindings, then the robot's add or update."""
    handler = public_url + TAB_PATH
    have = {(str(b.get("placement")), str(b.get("handler"))) for b in bound if isinstance(b, dict)}
    cmds = {
        f"tab_{code}": (
            "placement.bind",
            {"PLACEMENT": code, "HANDLER": handler, "TITLE": "Chat2Desk", "LANG_ALL": _lang_all()},
        )
        for code in PLACEMENTS
        if (code, handler) not in have
    }
    if ("REST_APP_URI", public_url + LINK_PATH) not in have:
        # widgets/universal/app-url.md: /marketplace/view/#APP_CODE#/ opens this handler
        cmds["link"] = (
            "placement.bind",
            {"PLACEMENT": "REST_APP_URI", "HANDLER": public_url + LINK_PATH},
        )
    fields = robot_fields(public_url, user_id)
    if ROBOT_CODE in [str(r) for r in robots or []]:
        cmds["robot"] = ("bizproc.robot.update", {"CODE": ROBOT_CODE, "FIELDS": fields})
    else:
        cmds["robot"] = ("bizproc.robot.add", {"CODE": ROBOT_CODE, **fields})
    return cmds


def _lang_all() -> dict:
    return {lang: {"TITLE": title} for lang, title in TITLES.items()}


def ensure(portal, client, public_url: str) -> list[str]:
    """Two Bitrix24 requests: what is bound, then what is missing. Returns what was done."""
    try:
        read = client.batch({"bound": ("placement.get", {}), "robots": ("bizproc.robot.list", {})})
        bound = read.result.get("bound") or []
        robots = read.result.get("robots") or []
        if read.errors:
            log.warning("portal %s: reading placements failed: %s", portal.id, list(read.errors))
            return []
        cmds = commands(public_url, bound, robots, portal.installer_user_id)
        res = client.batch(cmds)
    except Bitrix24Error as exc:
        log.warning("portal %s: tabs and robot not bound: %s", portal.id, exc.code)
        return []
    for key, err in res.errors.items():
        log.warning("portal %s: %s failed: %s", portal.id, key, err.code or err.description)
    return sorted(k for k in cmds if k not in res.errors)
