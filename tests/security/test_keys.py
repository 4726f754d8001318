"""Keys: SECRET_KEY required in production, one atomic 0600 sandbox key, per-purpose keys,
rotation with SECRET_KEY_FALLBACKS and `keys rotate`."""

import os
import stat
import threading

import pytest
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text

from b24app import config, create_app, crypto, frame, keys, links
from b24app.extensions import db
from b24app.models import Connection, Portal


def _app(tmp_path, **cfg):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.db",
            "B24_OAUTH_HOSTS": "oauth.test",
            "PUBLIC_URL": "https://app.test",
            **cfg,
        }
    )
    with app.app_context():
        upgrade()
    return app


def test_secret_key_is_required_outside_the_sandbox(monkeypatch, tmp_path):
    monkeypatch.delenv("B24APP_SANDBOX", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("B24_CLIENT_ID", "app.1")
    monkeypatch.setenv("B24_CLIENT_SECRET", "x")
    with pytest.raises(SystemExit) as stop:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert str(stop.value) == (
        "b24app: missing required setting SECRET_KEY (set it in the environment)"
    )
    assert not (tmp_path / "secret_key").exists()


def test_generated_key_is_created_once_atomically_with_mode_0600(tmp_path):
    found, barrier = [], threading.Barrier(16)

    def worker():
        barrier.wait()
        found.append(config.instance_secret_key(str(tmp_path)))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 16 and len(set(found)) == 1 and len(found[0]) > 40
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temp left


def test_each_purpose_has_its_own_key(app):
    with app.test_request_context():
        derived = {p: keys.key_for(p) for p in keys.PURPOSES}
        assert len(set(derived.values())) == len(keys.PURPOSES)
        assert app.config["SECRET_KEY"].encode() not in derived.values()
        token = frame.mint("m-1", 1, True, "en")
        # a frame token signed the old way, with the bare SECRET_KEY, is not accepted
        bare = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="b24app.frame")
        assert frame.read(bare.dumps({"m": "m-1", "u": 1, "a": True, "l": "en"})) is None
        assert frame.read(token) is not None
        # and a frame token is no dialog link
        db.session.add(
            Portal(
                member_id="m-1",
                domain="x",
                client_endpoint="https://x/rest/",
                server_endpoint="https://oauth.test/rest/",
                admin_user_ids=[],
            )
        )
        db.session.commit()
        assert links.read_dialog_key(token, "1") is None


def _seed(app) -> None:
    with app.app_context():
        portal = Portal(
            member_id="m-1",
            domain="x.bitrix24.test",
            client_endpoint="https://x.bitrix24.test/rest/",
            server_endpoint="https://oauth.test/rest/",
            access_token="access-secret-1",
            refresh_token="refresh-secret-1",
            application_token="app-token-1",
            admin_user_ids=[],
        )
        db.session.add(portal)
        db.session.flush()
        secret = "hook-secret-1"
        db.session.add(
            Connection(
                portal_id=portal.id,
                api_url="https://api.chat2desk.com/v1",
                api_token="c2d-token-1",
                secret=secret,
                secret_digest=crypto.digest(secret),
            )
        )
        db.session.commit()


def _read(app) -> tuple:
    with app.app_context():
        from b24app.connection import find_by_secret

        portal = db.session.execute(select(Portal)).scalar_one()
        found = find_by_secret("hook-secret-1")
        return portal.access_token, portal.refresh_token, found is not None


def test_rotation_with_fallbacks_and_keys_rotate(tmp_path):
    old = _app(tmp_path, SECRET_KEY="old-key")
    _seed(old)
    with old.app_context():
        raw_before = db.session.execute(text("SELECT access_token FROM portal")).scalar()
    with old.test_request_context():
        frame_token = frame.mint("m-1", 1, True, "en")

    # a new key alone cannot read what the old one wrote
    assert _read(_app(tmp_path, SECRET_KEY="new-key")) == (None, None, False)

    moved = _app(tmp_path, SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"])
    assert _read(moved) == ("access-secret-1", "refresh-secret-1", True)
    with moved.test_request_context():
        assert frame.read(frame_token) is not None  # old frame tokens still open the UI
    result = moved.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 5 secret(s) in 2 row(s)" in result.output
    with moved.app_context():
        raw_after = db.session.execute(text("SELECT access_token FROM portal")).scalar()
    assert raw_after != raw_before

    # after the rotation the old key can go
    assert _read(_app(tmp_path, SECRET_KEY="new-key")) == (
        "access-secret-1",
        "refresh-secret-1",
        True,
    )
    assert _read(_app(tmp_path, SECRET_KEY="old-key")) == (None, None, False)


def test_keys_rotate_says_when_a_secret_cannot_be_read(tmp_path):
    _seed(_app(tmp_path, SECRET_KEY="lost-key"))
    result = _app(tmp_path, SECRET_KEY="new-key").test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert "could not be read with any configured key" in result.output
