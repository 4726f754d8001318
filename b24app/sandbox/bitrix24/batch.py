"""The `batch` method: sub-calls, `$result[...]` chaining, halt, PHP-shaped result maps."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import unquote

from . import operating
from .envelope import ApiError, Page, param, php_map, time_block
from .phpform import parse_query
from .registry import Ctx, dispatch

MAX_CMDS = 50
_REF = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")


def commands(params: dict[str, Any]) -> dict[Any, str]:
    """The `cmd` map keyed as given (list → int keys)."""
    cmd = param(params, "cmd") or {}
    if isinstance(cmd, list):
        return dict(enumerate(cmd))
    return dict(cmd) if isinstance(cmd, dict) else {}


def sub_methods(params: dict[str, Any]) -> list[str]:
    """Method names inside a batch, for logs and faults."""
    return [str(c).split("?", 1)[0].lower() for c in commands(params).values()]


def _lookup(results: dict[str, Any], key: str, path: str) -> Any:
    """Resolve `$result[key][A][0]` against earlier results."""
    value: Any = results.get(key)
    for part in re.findall(r"\[([^\]]*)\]", path):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _substitute(node: Any, results: dict[str, Any]) -> Any:
    """Replace `$result[...]` references in every string value."""
    if isinstance(node, dict):
        return {k: _substitute(v, results) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, results) for v in node]
    if not isinstance(node, str) or "$result" not in node:
        return node
    whole = _REF.fullmatch(node)
    if whole:
        value = _lookup(results, whole.group(1), whole.group(2))
        return value if value is not None else ""
    return _REF.sub(lambda m: str(_lookup(results, m.group(1), m.group(2)) or ""), node)


def _parse_cmd(text: str) -> tuple[str, dict[str, Any]]:
    """Split `method?query` into a name and parsed params."""
    name, _, query = str(text).partition("?")
    return unquote(name).strip().lower(), parse_query(query)


def run_batch(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Execute a batch; always returns the 200 result body."""
    cmds = commands(params)
    halt = str(param(params, "halt", "0")) in ("1", "true", "True", "Y")
    out: dict[str, dict] = {k: {} for k in ("result", "error", "total", "next", "time")}
    named: dict[str, Any] = {}
    for index, (key, text) in enumerate(cmds.items()):
        started = time.time()
        if index >= MAX_CMDS:
            # "subqueries beyond the limit will end with an error ERROR_BATCH_LENGTH_EXCEEDED"
            # (settings/how-to-call-rest-api/batch.md)
            err = ApiError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
            out["error"][key] = err.body()
            continue
        name, sub = _parse_cmd(text)
        sub.pop("auth", None)
        try:
            if name == "batch":
                raise ApiError(
                    405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"
                )
            operating.check(ctx.portal, name)  # nested calls are accounted one by one (limits.md)
            value = dispatch(ctx, name, _substitute(sub, named))
        except ApiError as err:
            out["error"][key] = err.body()
            out["time"][key] = time_block(started)
            if halt:
                break
            continue
        if isinstance(value, Page):
            out["total"][key] = value.total
            if value.next is not None:
                out["next"][key] = value.next
            value = value.items
        named[str(key)] = value
        out["result"][key] = value
        spent = operating.charge(ctx.portal, name, started, time.time())
        out["time"][key] = {**time_block(started), **spent}
    return {
        "result": php_map(out["result"]),
        "result_error": php_map(out["error"]),
        "result_total": php_map(out["total"]),
        "result_next": php_map(out["next"]),
        "result_time": php_map(out["time"]),
    }
