"""The frame session: a signed, expiring token on every link and form instead of cookies."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request, url_for
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import CallbackDict

from . import keys
from .extensions import db
from .models import FrameSession


@dataclass(frozen=True)
class Frame:
    """Who is looking: the portal, the Bitrix24 user, and whether they may edit."""

    member_id: str
    user_id: int
    admin: bool
    lang: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.keys_for("frame"), salt="b24app.frame")


def mint(member_id: str, user_id: int, admin: bool, lang: str) -> str:
    return _serializer().dumps({"m": member_id, "u": user_id, "a": bool(admin), "l": lang})


def read(token: str | None) -> Frame | None:
    """The frame a token stands for, or None when it is tampered with or expired."""
    if not token or len(token) > 2000:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["FRAME_TOKEN_MAX_AGE"])
        return Frame(str(data["m"]), int(data["u"]), bool(data["a"]), str(data["l"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def request_token() -> str | None:
    """The frame token of this request: query `t` or form field `t`."""
    token = request.args.get("t")
    if token is None and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        token = request.form.get("t")
    return token


def frame_url(endpoint: str, **values) -> str:
    """url_for that carries the current frame token."""
    token = getattr(g, "frame_token", None)
    if token:
        values.setdefault("t", token)
    return url_for(endpoint, **values)


class _Session(CallbackDict, SessionMixin):
    def __init__(self, initial=None, key: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.key, self.modified = key, False


class FrameSessionInterface(SessionInterface):
    """Session data stored server-side under the frame token's digest; never a cookie."""

    def open_session(self, app, request):
        token = request_token()
        if not token or read(token) is None:
            return _Session()
        key = hashlib.sha256(token.encode()).hexdigest()
        row = db.session.get(FrameSession, key)
        data = dict(row.data) if row and row.expires_at > datetime.now(UTC) else {}
        return _Session(data, key)

    def save_session(self, app, session, response):
        if not session.key or not session.modified:
            return
        expires = datetime.now(UTC) + timedelta(seconds=app.config["FRAME_TOKEN_MAX_AGE"])
        for _attempt in range(2):  # two first requests of one frame may race to insert
            row = db.session.get(FrameSession, session.key)
            if row is None:
                db.session.add(
                    FrameSession(key=session.key, data=dict(session), expires_at=expires)
                )
            else:
                row.data, row.expires_at = dict(session), expires
            try:
                db.session.commit()
                return
            except IntegrityError:
                db.session.rollback()


def prune_sessions() -> int:
    """Delete expired server-side frame sessions."""
    from sqlalchemy import delete

    result = db.session.execute(
        delete(FrameSession).where(FrameSession.expires_at < datetime.now(UTC))
    )
    db.session.commit()
    return result.rowcount
