"""Encryption at rest for tokens and secrets (Fernet, keys derived per purpose, rotatable)."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from . import keys


def fernet_for(secret_key: str) -> Fernet:
    """The at-rest Fernet of one root secret (HKDF, purpose "at-rest")."""
    return Fernet(base64.urlsafe_b64encode(keys.derive(secret_key, "at-rest")))


def _fernet() -> MultiFernet:
    """Encrypts with the current key; decrypts with it or any SECRET_KEY_FALLBACKS key."""
    ext = current_app.extensions
    roots = tuple(keys.roots())
    cached = ext.get("b24app.fernet")
    if cached is None or cached[0] != roots:
        cached = ext["b24app.fernet"] = (
            roots,
            MultiFernet([fernet_for(root) for root in reversed(roots)]),
        )
    return cached[1]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str | None:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return None


def digest(value: str) -> str:
    """Keyed digest used to look a secret up without storing it in the clear."""
    return hmac.new(keys.key_for("webhook-digest"), value.encode(), hashlib.sha256).hexdigest()


def digests(value: str) -> list[str]:
    """The digest under every key still accepted (current first): lookups survive rotation.

    Digests stored before keys were derived per purpose used the root secret itself; they
    are accepted until `flask --app b24app keys rotate` rewrites them.
    """
    derived = list(reversed(keys.keys_for("webhook-digest")))
    legacy = [root.encode() for root in reversed(keys.roots())]
    return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in derived + legacy]


class Encrypted(TypeDecorator):
    """A text column stored encrypted; reads back the plaintext (None if undecryptable)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
