"""Encryption at rest for tokens and secrets (Fernet, key derived from SECRET_KEY)."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


def fernet_for(secret_key: str) -> Fernet:
    """Derive the at-rest encryption key from the app's secret key."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"b24app", info=b"at-rest").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet() -> Fernet:
    ext = current_app.extensions
    if "b24app.fernet" not in ext:
        ext["b24app.fernet"] = fernet_for(current_app.config["SECRET_KEY"])
    return ext["b24app.fernet"]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str | None:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return None


def digest(value: str) -> str:
    """Keyed digest used to look a secret up without storing it in the clear."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class Encrypted(TypeDecorator):
    """A text column stored encrypted; reads back the plaintext (None if undecryptable)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
