"""Health checks of one portal's installation, each with what to do when it is red."""

from dataclasses import dataclass

from flask_babel import gettext as _

from .models import Portal


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(portal: Portal) -> list[Check]:
    """Local checks (no remote calls): tokens and the Chat2Desk connection."""
    checks = [
        Check(
            _("Bitrix24 token"),
            bool(portal.refresh_token),
            _("expires %(when)s", when=portal.expires_at) if portal.expires_at else "",
            _("Open the application once from Bitrix24 to renew the tokens."),
        )
    ]
    conn = portal.connection
    checks.append(
        Check(
            _("Chat2Desk connected"),
            conn is not None,
            conn.company_name if conn else "",
            _("Paste the Chat2Desk API token on the Connection tab."),
        )
    )
    checks.append(
        Check(
            _("Chat2Desk webhook"),
            bool(conn and conn.webhook_id),
            f"#{conn.webhook_id}" if conn and conn.webhook_id else "",
            _("Save the Connection tab again to register the webhook."),
        )
    )
    return checks
