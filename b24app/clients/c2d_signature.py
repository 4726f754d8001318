"""Chat2Desk webhook signatures (changelog 2025-06-06, "Added Webhook Signature Verification
(HMAC)", Postman "Chat2Desk Public API"): HMAC-SHA256, hex, of the raw body followed by a unix
timestamp, keyed with the MD5 of the API token. The algorithm is checked against the vendor's own
example (tests/conformance/samples.py SIGNED_*). Whether the key is the MD5's hex string or its
raw bytes is not said: both are accepted.

No primary source found names the HTTP headers that carry the signature and the timestamp, so the
webhook view does not verify yet; the secret URL stays the authentication (issue #12 item 12).
"""

import hashlib
import hmac


def sign(body: bytes, timestamp: str, key: bytes | str) -> str:
    """Hex HMAC-SHA256 of `body + timestamp` under `key`."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, body + str(timestamp).encode(), hashlib.sha256).hexdigest()


def keys_for(api_token: str) -> list[bytes]:
    """MD5 of the API token, as hex text and as raw bytes."""
    digest = hashlib.md5(api_token.encode(), usedforsecurity=False)
    return [digest.hexdigest().encode(), digest.digest()]


def valid(body: bytes, timestamp: str, signature: str, api_token: str) -> bool:
    """True when the signature matches the body and timestamp under the token's key."""
    if not (timestamp and signature and api_token):
        return False
    wanted = str(signature).strip().lower()
    return any(hmac.compare_digest(sign(body, timestamp, k), wanted) for k in keys_for(api_token))
