"""BB-code from a client: names, messages and file names reach Bitrix24 as text, never markup."""

import json
import re

from tests.e2e.helpers import c2d_control, state
from tests.e2e.ol_helpers import inbox, setup_portal, wait_c2d

LIVE_TAG = re.compile(r"\[(/?)([A-Za-z]+)(=[^\]]*)?\]")
NAME = "[B]Boss[/B] [URL=https://evil.example/name]Name link[/URL]"
TEXT = "[SEND=/fire everyone]Click me[/SEND] [url=https://evil.example/pay]pay here[/url] [PUT=x]y"
FILE = "https://files.example.com/a/[url=javascript:alert(1)]doc[/url].pdf"


def _written(box, name) -> list[str]:
    """Every text the app wrote to the portal: notifications, bot messages, Open Lines,
    timeline comments, lead and deal titles."""
    st = state(box, name)
    texts = [n.get("MESSAGE", "") for n in st["notifications"]]
    texts += [m.get("MESSAGE", "") for m in st["bot_messages"]]
    texts += [json.dumps(m, ensure_ascii=False) for m in st["openline_messages"]]
    texts += [c.get("COMMENT", "") for c in st["comments"]]
    texts += [e.get("TITLE", "") for kind in ("leads", "deals") for e in st[kind].values()]
    return [t for t in texts if t]


def test_bb_code_from_a_client_is_neutralised_everywhere(sandbox, portal_name):
    env = setup_portal(sandbox, portal_name)
    c2d_control(
        sandbox,
        "events/client_updated",
        {"client_id": env.client_id, "fields": {"name": NAME}},
        token=env.c2d,
    )
    payload = inbox(sandbox, env, text=TEXT, attachment=FILE)
    c2d_control(sandbox, "events/close_dialog", {"dialog_id": payload["dialog_id"]}, token=env.c2d)
    wait_c2d(sandbox)
    written = _written(sandbox, portal_name)
    everything = "\n".join(written)
    # the words themselves arrived (nothing was dropped) …
    for words in ("Click me", "pay here", "Boss", "doc"):
        assert words in everything, words
    st = state(sandbox, portal_name)
    notices = [n.get("MESSAGE", "") for n in st["notifications"] + st["bot_messages"]]
    assert any("Click me" in t and "Boss" in t for t in notices), "no notification to check"
    assert st["openline_messages"] and st["comments"], "no Open Lines message or transcript"
    # … but no tag of theirs is live: only the app's own [b] and [url=http(s)…] remain
    for text in written:
        for _closing, tag, value in LIVE_TAG.findall(text):
            assert tag.lower() in ("b", "url"), f"a live [{tag}] reached Bitrix24: {text!r}"
            if tag.lower() == "url" and value:
                assert value[1:].startswith(("http://", "https://")), text
                assert "evil.example" not in value and "javascript" not in value, text
