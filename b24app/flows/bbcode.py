"""Text from outside reaches Bitrix24 as text (CONTRACT §8 "BB-code from outside").

Bitrix24 renders BB-code in notifications, chat and Open Lines messages and timeline comments,
including command links `[SEND=…]`/`[PUT=…]` (b24restdocs api-reference/chats/messages/
formatting.md; api-reference/crm/timeline/comments/crm-timeline-comment-add.md COMMENT). Every
`[` of a client's or operator's text gets a zero-width space after it, so no `[B]`, `[URL=…]`,
`[SEND=…]` or `[/URL]` can form, while a reader sees the same characters. Only the app's own
tags stay live; links are only ever http(s).
"""

from urllib.parse import quote, urlsplit

ZWSP = "\u200b"


def plain(value) -> str:
    """Outside text made inert: it forms no BB-code tag."""
    return str(value if value is not None else "").replace("[", "[" + ZWSP)


def safe_url(value) -> str | None:
    """An http(s) URL fit for `[url=…]`, with `[`, `]`, spaces and quotes escaped; else None."""
    url = str(value or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#@!$&()*+,;=%-._~")


def link(url, label) -> str:
    """The app's own link tag around an inert label; only the label when the URL is unsafe."""
    safe = safe_url(url)
    text = plain(label)
    return f"[url={safe}]{text}[/url]" if safe else text
