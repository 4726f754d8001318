"""Shared HTTP policy for remote APIs: sessions, timeouts, PHP-style query encoding."""

from urllib.parse import quote

import requests

USER_AGENT = "b24app-chat2desk/0.1"
DEFAULT_TIMEOUT = (3.05, 30.0)


def new_session() -> requests.Session:
    """A session with our User-Agent; callers always pass a timeout."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
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
            value = "Y" if value else "N"
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
