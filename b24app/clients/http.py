"""Shared HTTP policy for remote APIs: sessions, timeouts, PHP-style query encoding."""

import ipaddress
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter

USER_AGENT = "b24app-chat2desk/0.1"
DEFAULT_TIMEOUT = (3.05, 30.0)


def new_session(public_only: bool = False) -> requests.Session:
    """A session with our User-Agent; callers always pass a timeout.

    `public_only` (production): connections to loopback, private, link-local and reserved
    addresses are refused on the socket's peer address, after DNS, so rebinding is no way in.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    if public_only:
        session.mount("http://", PublicOnlyAdapter())
        session.mount("https://", PublicOnlyAdapter())
    return session


def _flatten(prefix: str, value, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "1" if value else "0"  # as PHP's http_build_query writes true/false
        out.append((prefix, str(value)))
        return
    for key, item in items:
        _flatten(f"{prefix}[{key}]" if prefix else str(key), item, out)


def php_query(params: dict) -> str:
    """Encode nested params the way PHP's http_build_query does (`a[b][0]=v`)."""
    pairs: list[tuple[str, str]] = []
    _flatten("", params or {}, pairs)
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


def parse_php_form(pairs) -> dict:
    """Turn PHP bracket keys (`auth[member_id]`, `data[MESSAGES][0][im][chat_id]`) into dicts."""
    root: dict = {}
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        parts = [head] + ([p for p in rest.rstrip("]").split("][")] if rest else [])
        node = root
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = node[part] = {}
            node = nxt
        node[parts[-1]] = value
    return root


class BlockedAddressError(requests.ConnectionError):
    """The connection reached a loopback, private, link-local or reserved address."""


def forbidden_address(ip: str) -> bool:
    """True for addresses the app must never call in production (SSRF targets)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast or addr.is_reserved


def _checked(conn_cls):
    """A urllib3 connection class that checks the peer address right after TCP connect."""

    class Checked(conn_cls):
        def _new_conn(self):
            sock = super()._new_conn()
            peer = sock.getpeername()[0]
            if forbidden_address(peer):
                sock.close()
                # the TCP connect happened, but not one byte was sent (no TLS, no request)
                raise BlockedAddressError(f"refused to talk to a non-public address ({peer})")
            return sock

    return Checked


class _CheckedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _checked(urllib3.connection.HTTPConnection)


class _CheckedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _checked(urllib3.connection.HTTPSConnection)


class PublicOnlyAdapter(HTTPAdapter):
    """Checks the address actually connected to, so DNS rebinding cannot reach the inside."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }
