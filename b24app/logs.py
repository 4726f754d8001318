"""Log redaction: tokens and secrets never reach a log line, at any level."""

import logging
import re

_PATTERNS = [
    re.compile(
        r"(?i)((?:auth|access_token|refresh_token|refresh_id|auth_id|application_token|"
        r"client_secret|api_token|authorization|token|secret|t|k)[\"']?\s*[=:]\s*[\"']?)"
        r"([^&\s\"',}]{6,})"
    ),
    re.compile(r"(/webhooks/chat2desk/)([^/\s\"'?]+)"),
]
_installed = False
_FORMATTER = logging.Formatter()
_HOOK = re.compile(r"(/webhooks/chat2desk/)([^/\s\"'?&]{1,4})[^/\s\"'?&]*")


def mask_webhook_urls(text: str) -> str:
    """Our webhook address with its secret cut to 4 characters (never shown in full)."""
    return _HOOK.sub(lambda m: m.group(1) + m.group(2) + "…", text)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def install_redaction() -> None:
    """Wrap the log record factory so every record, from any library, is masked."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # formatted here, masked, and kept: handlers print exc_text instead of formatting
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format stays as logging would show it
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
