"""PHP bracket-key form encoding (`a[b][0]=x`) used by Bitrix24 REST and events."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

_KEY = re.compile(r"^([^\[\]]*)((?:\[[^\]]*\])*)$")


def _split(key: str) -> list[str]:
    """Split `a[b][]` into ['a', 'b', '']."""
    m = _KEY.match(key)
    if not m:
        return [key]
    return [m.group(1), *re.findall(r"\[([^\]]*)\]", m.group(2))]


def _listify(node: Any) -> Any:
    """Turn dicts whose keys are 0..n-1 into lists, recursively."""
    if not isinstance(node, dict):
        return node
    out = {k: _listify(v) for k, v in node.items()}
    if (
        out
        and all(k.isdigit() for k in out)
        and sorted(int(k) for k in out) == list(range(len(out)))
    ):
        return [out[str(i)] for i in range(len(out))]
    return out


def parse_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Build nested dicts/lists from PHP bracket keys."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _split(key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return _listify(root)


def parse_query(query: str) -> dict[str, Any]:
    """Parse a URL-encoded query string with PHP bracket keys."""
    return parse_pairs(parse_qsl(query, keep_blank_values=True))


def _scalar(value: Any) -> str:
    """Render a scalar the way PHP's http_build_query does."""
    if value is True:
        return "1"
    if value is False:
        return "0"
    if value is None:
        return ""
    return str(value)


def encode_pairs(obj: dict[str, Any] | list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested data into PHP bracket key/value pairs."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj)
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict | list):
            pairs.extend(encode_pairs(value, name))
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def encode(obj: dict[str, Any]) -> str:
    """URL-encode nested data with PHP bracket keys."""
    return urlencode(encode_pairs(obj))
