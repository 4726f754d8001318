"""Chat2Desk webhook signatures, verified when the operator names the headers.

The algorithm is issue #12's finding (clients/c2d_signature.py: HMAC-SHA256 of body + unix
timestamp, key = MD5 of the API token, checked against the vendor's example); no primary source
names the headers that carry the signature and the timestamp. So verification is off by default
and switched on by setting C2D_SIGNATURE_HEADER and C2D_TIMESTAMP_HEADER; then a missing, wrong or
stale signature is refused before anything is journaled. The secret URL stays required either way.
"""

import time

from flask import current_app, request

from .clients import c2d_signature
from .models import Connection


def signature_ok(connection: Connection) -> bool:
    """True when signatures are off, or this request's signature is valid and fresh."""
    cfg = current_app.config
    header, ts_header = cfg.get("C2D_SIGNATURE_HEADER"), cfg.get("C2D_TIMESTAMP_HEADER")
    if not header or not ts_header:
        return True
    signature, stamp = request.headers.get(header, ""), request.headers.get(ts_header, "")
    try:
        fresh = abs(time.time() - int(stamp)) <= float(cfg["C2D_SIGNATURE_MAX_AGE"])
    except ValueError:
        return False
    body = request.get_data(cache=True)
    return fresh and c2d_signature.valid(body, stamp, signature, connection.api_token or "")
