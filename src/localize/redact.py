"""Keep credentials out of what localize writes down: endpoint URLs, log lines, the audit log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["SecretFilter", "redact_text", "redact_url"]

MASK = "***"
# Query parameters that carry credentials (Azure's api-key, signed URLs, OAuth codes).
_SECRET_PARAM = re.compile(r"key|token|secret|sig|pass|auth|cred|code", re.IGNORECASE)
# API keys (OpenAI sk-..., most providers' look-alikes), bearer tokens, and user:password@ in URLs.
_SECRET_TEXT = (
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[^\s'\"]+"),
    re.compile(r"(?i)(api[-_]?key[\"']?\s*[:=]\s*[\"']?)[^\s'\"&,}]+"),
    re.compile(r"(//)[^/\s@:]+:[^/\s@]+@"),
)


def redact_url(url: str) -> str:
    """The URL without user:password and with credential-like query values masked."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep nothing that might be a secret
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    query = urlencode(
        [
            (k, MASK if _SECRET_PARAM.search(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and anything shaped like a key or credential masked."""
    for secret in secrets:
        if len(secret) >= 4:  # masking a 1-3 character "key" would shred ordinary words
            text = text.replace(secret, MASK)
    for pattern in _SECRET_TEXT:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


class SecretFilter(logging.Filter):
    """A logging filter that redacts each record's formatted message before it is emitted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message, self.secrets)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks quote exception messages, which may quote a URL or header.
            record.exc_text = redact_text(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            record.exc_info = None
        return True
