"""A fake Bitrix24 (OAuth server, portal REST and portal UI) as a standalone Flask app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response

from . import control, oauth, rest, ui, ui_automation, ui_crm  # noqa: F401 - routes on ui.bp
from .state import FakeState

__all__ = ["FakeState", "create_fake_bitrix24"]


def create_fake_bitrix24(
    *, app_url: str, client_id: str, client_secret: str, bx24_js_path: str = "/bx24.js"
) -> Flask:
    """Build the fake; its state is `app.extensions["fake_b24"]`."""
    app = Flask(__name__)
    app.extensions["fake_b24"] = FakeState(
        app_url=app_url, client_id=client_id, client_secret=client_secret
    )
    for blueprint in (oauth.bp, rest.bp, control.bp, ui.bp):
        app.register_blueprint(blueprint)

    @app.get(bx24_js_path, endpoint="bx24_js")
    def bx24_js():
        """The BX24 shim the app includes."""
        script = Path(ui.bp.static_folder, "bx24.js").read_text(encoding="utf-8")
        return Response(
            script, mimetype="text/javascript", headers={"Access-Control-Allow-Origin": "*"}
        )

    return app
