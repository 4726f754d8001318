"""b24app: the Chat2Desk integration for Bitrix24 — application factory."""

import logging
import os

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from .extensions import babel, csrf, db, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config layers → extensions → blueprints → commands → error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    register_config(app, test_config)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_queue(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_limits(app)
    return app


def register_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    config_module.finish(app.config, app.instance_path)


def register_logging(app: Flask) -> None:
    from .logs import install_redaction

    level = str(app.config["LOG_LEVEL"]).upper()
    logging.getLogger("b24app").setLevel(level)
    install_redaction()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL and a busy timeout so that concurrent workers never see 'database is locked'."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


def register_extensions(app: Flask) -> None:
    from . import i18n, journal_words
    from .frame import FrameSessionInterface, frame_url

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.ensure_compiled(app)
    app.context_processor(i18n.locale_context)
    app.session_interface = FrameSessionInterface()
    app.jinja_env.globals["frame_url"] = frame_url
    app.jinja_env.globals["words"] = journal_words


def register_blueprints(app: Flask) -> None:
    from .placements import crm_tab, robot
    from .views import (
        backfill,
        connection,
        dialogs,
        events,
        health,
        install,
        journal,
        settings,
        stats,
        webhooks,
    )

    for module in (
        install,
        events,
        connection,
        settings,
        journal,
        stats,
        backfill,
        webhooks,
        health,
        dialogs,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(crm_tab.bp)
    app.register_blueprint(robot.bp)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.register(app)


def register_queue(app: Flask) -> None:
    """The journal gets its dispatcher (rows → flows) and the worker's upkeep tasks."""
    from .flows import dispatch

    dispatch.register()


def register_error_handlers(app: Flask) -> None:
    from .views import errors

    errors.register(app)


def portal_origin(url: str) -> str:
    """`https://x.bitrix24.ru/p/` → `https://x.bitrix24.ru`."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        portal = getattr(g, "portal", None)
        ancestors = "'self'"
        if portal is not None:
            ancestors += " " + portal_origin(portal.base_url)
        elif request.endpoint in ("install.install", "install.index", "crm_tab.tab"):
            ancestors = (
                "https://*.bitrix24.ru https://*.bitrix24.com https://*.bitrix24.es "
                "https://*.bitrix24.com.br https://*.bitrix24.de https://*.bitrix24.kz "
                "https://*.bitrix24.by https://*.bitrix24.eu https://*.bitrix24.in"
            )
            if app.config["B24APP_ALLOW_HTTP"]:
                ancestors = "*"
        csp = (
            f"frame-ancestors {ancestors}; script-src 'self' {app.config['BX24_JS_URL']}; "
            "object-src 'none'; base-uri 'none'"
        )
        response.headers.setdefault("Content-Security-Policy", csp)
        if app.config["PUBLIC_URL"].startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("X-Frame-Options", None)
        return response


def register_limits(app: Flask) -> None:
    """Body size and the per-address entry limit, before any view runs (see verify.py)."""
    from werkzeug.exceptions import RequestEntityTooLarge

    from .verify import BodyLimit, guard_entry, too_large_reason

    cfg = app.config
    app.wsgi_app = BodyLimit(app.wsgi_app, cfg["MAX_CONTENT_LENGTH"], cfg["MAX_FORM_BYTES"])
    app.before_request_funcs.setdefault(None, []).insert(0, guard_entry)  # before CSRF

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):  # also when a chunked body outgrows the limit while being read
        from .views.errors import answer

        return answer(too_large_reason(), 413)
