"""Configuration defaults and the environment layer; no secrets live here."""

import contextlib
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

REQUIRED_IN_PRODUCTION = ("B24_CLIENT_ID", "B24_CLIENT_SECRET")


class Defaults:
    """Defaults in code; `instance/config.py`, the environment and tests override them."""

    SECRET_KEY = None
    SECRET_KEY_FALLBACKS: list = []  # old keys, still accepted until `keys rotate` has run
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PUBLIC_URL = "http://127.0.0.1:5000"
    B24_CLIENT_ID = None
    B24_CLIENT_SECRET = None
    B24_APP_CODE = (
        None  # the Market app's code for /marketplace/view/<code>/ (local apps: client_id)
    )
    B24_OAUTH_HOSTS = "oauth.bitrix.info,oauth.bitrix24.tech"
    B24_RATE = 2.0
    B24_BURST = 50
    B24_MAX_BACKOFF = 8.0
    B24_WRITE_GRACE = 65.0  # a timed-out write may still run this long at Bitrix24
    CHAT2DESK_API_URL = "https://api.chat2desk.com/v1"
    CHAT2DESK_DEDICATED_URLS = ""  # comma list of a dedicated installation's https API bases
    C2D_SIGNATURE_HEADER = ""  # set both to verify webhook signatures (webhook_auth.py)
    C2D_TIMESTAMP_HEADER = ""
    C2D_SIGNATURE_MAX_AGE = 300  # seconds a signed timestamp stays acceptable (replays)
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
    # the queue (CONTRACT §6): capped exponential backoff with jitter, given up after the horizon
    JOURNAL_RETRY_BASE = 10.0
    JOURNAL_RETRY_CAP = 3600.0
    JOURNAL_RETRY_HORIZON = 72 * 3600.0
    JOURNAL_LEASE_SECONDS = 120.0  # > the longest batch of Bitrix24 work a worker takes at once
    JOURNAL_BATCH_ROWS = 100  # rows of one portal a worker takes per lease
    WORKER_POLL = 1.0  # seconds an idle worker sleeps between looks at the queue
    WORKER_THREADS = 4  # portals one worker process serves at the same time
    WEBHOOK_CHECK_SECONDS = 120.0  # how often the worker looks whether Chat2Desk disabled our hook
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "ru", "es", "pt")
    # The UI lives in a cross-site iframe: no cookie is needed (the frame token carries the
    # session), and if one is ever set it must be a partitioned third-party cookie.
    SESSION_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PARTITIONED = True
    # Limits: a webhook or event body over 1 MB is answered 413, so is a form or iframe entry
    # over 256 kB (any one multipart field too).
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_BYTES = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    MAX_FORM_PARTS = 500
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False


# (name, parser) for every key the environment may set.
ENV_KEYS = {
    "SECRET_KEY": str,
    "SECRET_KEY_FALLBACKS": lambda v: [k.strip() for k in v.split(",") if k.strip()],
    "DATABASE_URL": str,
    "PUBLIC_URL": str,
    "B24_CLIENT_ID": str,
    "B24_CLIENT_SECRET": str,
    "B24_APP_CODE": str,
    "B24_OAUTH_HOSTS": str,
    "CHAT2DESK_API_URL": str,
    "CHAT2DESK_DEDICATED_URLS": str,
    "C2D_SIGNATURE_HEADER": str,
    "C2D_TIMESTAMP_HEADER": str,
    "B24APP_ALLOW_HTTP": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "B24APP_SANDBOX": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "BX24_JS_URL": str,
    "LOG_LEVEL": str,
    "B24_RATE": float,
    "B24_BURST": int,
    "JOURNAL_RETENTION_DAYS": int,
    "JOURNAL_RETRY_BASE": float,
    "JOURNAL_RETRY_CAP": float,
    "WORKER_THREADS": int,
    "JOURNAL_LEASE_SECONDS": float,
    "WEBHOOK_CHECK_SECONDS": float,
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
    """The sandbox's generated secret key, created once, atomically, readable only by us.

    Several workers starting together agree on one key: each writes its own 0600 temp file
    and hard-links it into place; only the first link wins, the others read the winner's.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    for _attempt in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)  # a key file made by an older version, still being written
    raise SystemExit(f"b24app: {path} is empty; delete it or set SECRET_KEY")


def finish(config, instance_path: str) -> None:
    """Fill derived defaults and stop with one line when a required setting is missing."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(instance_path) / 'b24app.sqlite3'}"
    local = config.get("B24APP_SANDBOX") or config.get("TESTING")
    if not config.get("SECRET_KEY"):
        if not local:
            raise SystemExit(
                "b24app: missing required setting SECRET_KEY (set it in the environment)"
            )
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if local:
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
    config["CHAT2DESK_DEDICATED_URLS"] = dedicated_urls(
        config.get("CHAT2DESK_DEDICATED_URLS") or "", bool(config.get("B24APP_ALLOW_HTTP"))
    )
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def dedicated_urls(value, allow_http: bool) -> list[str]:
    """Dedicated Chat2Desk API bases (comma list): https only, a host name, nothing else."""
    urls = value if isinstance(value, list) else str(value).split(",")
    found = []
    for url in (u.strip().rstrip("/") for u in urls if u.strip()):
        parts = urlsplit(url)
        schemes = ("https", "http") if allow_http else ("https",)
        if parts.scheme not in schemes or not parts.hostname or parts.username or parts.query:
            raise SystemExit(
                f"b24app: CHAT2DESK_DEDICATED_URLS: {url!r} is not an https:// API base URL"
            )
        found.append(url)
    return found
