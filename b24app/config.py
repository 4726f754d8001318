"""Configuration defaults and the environment layer; no secrets live here."""

import os
import secrets
from pathlib import Path

REQUIRED_IN_PRODUCTION = ("B24_CLIENT_ID", "B24_CLIENT_SECRET")


class Defaults:
    """Defaults in code; `instance/config.py`, the environment and tests override them."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PUBLIC_URL = "http://127.0.0.1:5000"
    B24_CLIENT_ID = None
    B24_CLIENT_SECRET = None
    B24_OAUTH_HOSTS = "oauth.bitrix.info,oauth.bitrix24.tech"
    B24_RATE = 2.0
    B24_BURST = 50
    B24_MAX_BACKOFF = 8.0
    B24_WRITE_GRACE = 65.0  # a timed-out write may still run this long at Bitrix24
    CHAT2DESK_API_URL = "https://api.chat2desk.com/v1"
    B24APP_ALLOW_HTTP = False
    B24APP_SANDBOX = False
    BX24_JS_URL = "https://api.bitrix24.com/api/v1/"
    LOG_LEVEL = "INFO"
    HTTP_TIMEOUT = (3.05, 30.0)
    C2D_TIMEOUT = (3.05, 15.0)
    C2D_RETRIES = 2
    FRAME_TOKEN_MAX_AGE = 4 * 3600
    ENTRY_CACHE_SECONDS = 120  # an AUTH_ID verified this recently is not asked about again
    ENTRY_RATE = 10.0  # entries per second and address, on average …
    ENTRY_BURST = 120  # … and at once; more get 429
    CHOICES_CACHE_SECONDS = 300
    JOURNAL_RETENTION_DAYS = 30
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "ru", "es", "pt")
    # The UI lives in a cross-site iframe: no cookie is needed (the frame token carries the
    # session), and if one is ever set it must be a partitioned third-party cookie.
    SESSION_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PARTITIONED = True
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False


# (name, parser) for every key the environment may set.
ENV_KEYS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "PUBLIC_URL": str,
    "B24_CLIENT_ID": str,
    "B24_CLIENT_SECRET": str,
    "B24_OAUTH_HOSTS": str,
    "CHAT2DESK_API_URL": str,
    "B24APP_ALLOW_HTTP": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "B24APP_SANDBOX": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "BX24_JS_URL": str,
    "LOG_LEVEL": str,
    "B24_RATE": float,
    "B24_BURST": int,
    "JOURNAL_RETENTION_DAYS": int,
}


def from_environment(environ=os.environ) -> dict:
    """Return the settings the environment sets, parsed."""
    found = {}
    for name, parse in ENV_KEYS.items():
        if name in environ and environ[name] != "":
            key = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
            found[key] = parse(environ[name])
    return found


def instance_secret_key(instance_path: str) -> str:
    """Read the generated secret key, creating it once."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def finish(config, instance_path: str) -> None:
    """Fill derived defaults and stop with one line when a required setting is missing."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(instance_path) / 'b24app.sqlite3'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if config.get("B24APP_SANDBOX") or config.get("TESTING"):
        config.setdefault("B24_CLIENT_ID", None)
        config["B24_CLIENT_ID"] = config["B24_CLIENT_ID"] or "local.sandbox.app"
        config["B24_CLIENT_SECRET"] = config["B24_CLIENT_SECRET"] or "sandbox-secret"
    for name in REQUIRED_IN_PRODUCTION:
        if not config.get(name):
            raise SystemExit(f"b24app: missing required setting {name} (set it in the environment)")
    config["B24_OAUTH_HOSTS"] = [
        h.strip().lower() for h in str(config["B24_OAUTH_HOSTS"]).split(",") if h.strip()
    ]
    config["PUBLIC_URL"] = config["PUBLIC_URL"].rstrip("/")
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
