"""Error pages and JSON errors in words; never a bare 500 for bad input."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith(("/webhooks/", "/bitrix/", "/healthz"))


def answer(reason: str, code: int):
    """An error in words: JSON for server-to-server routes, the error page for people."""
    if _wants_json():
        return jsonify(error=reason), code
    return render_template("error.html", reason=reason, code=code), code


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        reason = _(
            "The form expired or was not sent from this page (%(why)s). "
            "Reload the page and try again.",
            why=exc.description,
        )
        return render_template("error.html", reason=reason, code=400), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if _wants_json():
            return jsonify(error=exc.description), exc.code
        return render_template("error.html", reason=exc.description, code=exc.code), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error on %s", request.path)
        from ..extensions import db

        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal error; the event is kept and can be retried"), 503
        return render_template(
            "error.html", reason=_("Something went wrong on our side."), code=500
        ), 500
