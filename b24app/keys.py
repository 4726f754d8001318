"""Keys per purpose, derived from SECRET_KEY (and the old keys in SECRET_KEY_FALLBACKS).

One secret in the configuration, separate keys in use: a frame token cannot be replayed as a
dialog link, a webhook digest or an encryption key, and rotating SECRET_KEY keeps the old
ones readable until `flask --app b24app keys rotate` has re-encrypted what is stored.
"""

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PURPOSES = ("frame", "dialog-links", "webhook-digest", "at-rest", "forms")


def derive(root: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose from one root secret (HKDF-SHA256)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"b24app", info=purpose.encode())
    return hkdf.derive(root.encode())


def roots() -> list[str]:
    """Root secrets, oldest first and the current SECRET_KEY last."""
    cfg = current_app.config
    old = cfg.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(old, str):
        old = [k.strip() for k in old.split(",") if k.strip()]
    return [*[str(k) for k in old if k and k != cfg["SECRET_KEY"]], str(cfg["SECRET_KEY"])]


def keys_for(purpose: str) -> list[bytes]:
    """Every key of a purpose, oldest first: sign with the last, accept any of them."""
    cache = current_app.extensions.setdefault("b24app.keys", {})
    current = tuple(roots())
    hit = cache.get(purpose)
    if hit is None or hit[0] != current:
        hit = cache[purpose] = (current, [derive(root, purpose) for root in current])
    return hit[1]


def key_for(purpose: str) -> bytes:
    """The current key of a purpose."""
    return keys_for(purpose)[-1]
