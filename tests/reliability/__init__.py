"""Reliability tests: shared helpers."""

import os


def process_env(sandbox, **overrides: str) -> dict:
    """The environment of an app process (gunicorn, `flask worker`) on the sandbox's database."""
    cfg = sandbox.app.config
    return {
        **os.environ,
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": cfg["SECRET_KEY"],
        "B24APP_SANDBOX": "1",
        "B24APP_ALLOW_HTTP": "1",
        "PUBLIC_URL": sandbox.app_url,
        "B24_OAUTH_HOSTS": ",".join(cfg["B24_OAUTH_HOSTS"]),
        "CHAT2DESK_API_URL": sandbox.c2d_api,
        **overrides,
    }
