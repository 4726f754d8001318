"""A standalone fake Chat2Desk: REST API, webhook delivery, control API and a sandbox page."""

from flask import Flask, jsonify, request

from b24app.sandbox.chat2desk.state import DEFAULT_TOKEN, FakeChat2Desk

__all__ = ["DEFAULT_TOKEN", "FakeChat2Desk", "create_fake_chat2desk"]


def _api_error(exc):
    """JSON error envelopes for unknown paths/methods under `/v1`, HTML elsewhere."""
    if not request.path.startswith("/v1"):
        return exc
    message = "Page not found" if exc.code == 404 else exc.name
    return jsonify({"status": "error", "message": message}), exc.code


def create_fake_chat2desk(*, retry_delays=(0.2, 1.0, 3.0), disable_after: float = 10.0) -> Flask:
    """Build the fake Chat2Desk app; its store is `app.extensions["fake_c2d"]`."""
    from b24app.sandbox.chat2desk import (  # noqa: F401 - registers routes
        api,
        api_crm,
        control,
        ui,
        webhooks,
    )

    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["fake_c2d"] = FakeChat2Desk(
        retry_delays=retry_delays, disable_after=disable_after
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(ui.bp)
    app.register_error_handler(404, _api_error)
    app.register_error_handler(405, _api_error)
    return app
