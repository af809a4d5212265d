"""Credentials out of URLs: every URL localize records or prints goes through here first.

A base URL may carry a key as userinfo (``https://user:KEY@host/v1``) or in its query string
(``?api-key=KEY``, Azure style). Userinfo is dropped; query values are replaced by ``REDACTED``,
except for a few names known to hold no secret (``api-version``). The fragment is dropped.

The HTTP libraries under the openai SDK log request URLs (httpx at INFO, the SDK at DEBUG):
`redact_library_logs` filters those loggers the same way, and `split_credentials` moves the
credentials out of the URL (into a header and query parameters) before the SDK sees it.
`redact_text` and `SecretFilter` do the same for free text (log lines, what the audit log keeps),
masking key-shaped strings and known secrets besides.

An endpoint's answer is text too: a server (or a proxy, or a model asked the right way) may echo
the key it was sent. `remember_secrets` notes each credential a client sends, and
`mask_secrets` takes them, and key-shaped tokens, out of an answer before anything keeps it (a
cassette, the response cache, the audit log, an output).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SecretFilter",
    "filter_loggers",
    "mask_secrets",
    "redact_host",
    "redact_library_logs",
    "redact_text",
    "redact_url",
    "redacted_repr",
    "remember_secrets",
    "sent_secrets",
    "split_credentials",
]

REDACTED = "REDACTED"
# Query parameters that are safe to show; every other value may be a key and is hidden.
_PUBLIC_QUERY = frozenset({"api-version", "api_version", "version", "format"})


def _host(netloc: str) -> str:
    # userinfo ends at the last "@": a password may itself contain "@" (if unencoded).
    return netloc.rpartition("@")[2]


def redact_url(url: str) -> str:
    """The URL with no userinfo, no fragment and no query value that could be a key."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if not parts.netloc:
        # Not a URL with a host: it may still be "user:key@host" typed without a scheme.
        return _host(url.split("?", 1)[0].split("#", 1)[0]) if "@" in url else url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(
        f"{quote(name, safe='-_.')}="
        + (quote(value, safe="-_.") if name.lower() in _PUBLIC_QUERY else REDACTED)
        for name, value in pairs
    )
    return urlunsplit((parts.scheme, _host(parts.netloc), parts.path, query, ""))


def redact_host(url: str) -> str:
    """``host[:port]`` of a URL, without userinfo: what provenance records as the endpoint."""
    try:
        return _host(urlsplit(url).netloc)
    except ValueError:
        return "<unparsable URL>"


def split_credentials(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL without userinfo or query, the Basic auth header its userinfo meant (as httpx sends
    it), and its query parameters: so a client sends the same, but logs no credential."""
    parts = urlsplit(url)
    headers: dict[str, str] = {}
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    clean = urlunsplit((parts.scheme, _host(parts.netloc), parts.path, "", ""))
    return clean, headers, query


_URL = re.compile(r"\b[A-Za-z][\w+.-]*://[^\s\"'<>]+")


class _RedactUrls(logging.Filter):
    """Rewrites a log record's message with every URL in it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        if "://" in message:
            record.msg = _URL.sub(lambda m: redact_url(m.group(0)), message)
            record.args = None
        return True


_FILTER = _RedactUrls()
# The loggers (exact names: filters do not apply to child loggers) that log request URLs.
_URL_LOGGERS = ("httpx", "httpx2", "openai", "openai._base_client")


def filter_loggers(names: Iterable[str], log_filter: logging.Filter) -> None:
    """Add ``log_filter`` to each of the loggers ``names`` that lacks it (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if log_filter not in logger.filters:
            logger.addFilter(log_filter)


def redact_library_logs() -> None:
    """Make the HTTP libraries' loggers redact URLs (idempotent)."""
    filter_loggers(_URL_LOGGERS, _FILTER)


# API keys (OpenAI's sk-..., and look-alikes), bearer tokens, and key=value pairs.
_SECRET_TEXT = (
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[^\s'\"]+"),
    re.compile(r"(?i)(api[-_]?key[\"']?\s*[:=]\s*[\"']?)[^\s'\"&,}]+"),
)


def sent_secrets(authorization: str | None, query: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The credentials one request carried: its Authorization header's token (and the password
    a Basic one encodes) and its query values but the public ones. An endpoint's error message
    may quote them back, in a shape no pattern knows."""
    found = [value for name, value in query if name.lower() not in _PUBLIC_QUERY]
    scheme, _, token = (authorization or "").partition(" ")
    if token:
        found.append(token)
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError):  # binascii.Error and UnicodeDecodeError included
            found.append(base64.b64decode(token).decode().partition(":")[2])
    return tuple(s for s in found if s)


# The credentials this process has sent to an endpoint (API keys, URL passwords and query keys),
# longest first when masked: one may hold another.
_SENT: set[str] = set()
# In an answer, a shorter "key" ("test", "local") is an ordinary word: masking it would shred
# the section. Real keys are far longer.
_MIN_ANSWER_SECRET = 8
# What an answer may hold that looks like a credential: an OpenAI-style key, or a bearer token
# as an Authorization header carries it (16+ token characters: "bearer bonds" is prose).
_ANSWER_SECRETS = (
    _SECRET_TEXT[0],
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}"),
)


def remember_secrets(secrets: Iterable[str | None]) -> None:
    """Note credentials a client sends, so `mask_secrets` and `redact_text` mask them wherever
    they come back."""
    _SENT.update(s for s in secrets if s and len(s) >= _MIN_ANSWER_SECRET)


def mask_secrets(text: str) -> str:
    """An endpoint's answer with each credential sent (see `remember_secrets`) and anything
    shaped like an API key or a bearer token masked; the rest of the text as it was (unlike
    `redact_text`, which also rewrites URLs and ``key=value`` pairs in a message)."""
    for secret in sorted(_SENT, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in _ANSWER_SECRETS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with its URLs redacted, the given secrets, those sent (see `remember_secrets`)
    and anything shaped like a key masked."""
    for secret in [*secrets, *sorted(_SENT, key=len, reverse=True)]:
        if len(secret) >= 4:  # masking a 1-3 character "key" would shred ordinary words
            text = text.replace(secret, REDACTED)
    if "://" in text:
        text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    for pattern in _SECRET_TEXT:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class SecretFilter(logging.Filter):
    """A handler filter that passes each record's message, and traceback, through `redact_text`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact_text(message, self.secrets), None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks quote exception messages, which may quote a URL or a header.
            record.exc_text = redact_text(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            record.exc_info = None
        return True


def redacted_repr(obj: Any) -> str:
    """A dataclass's repr with ``base_url`` redacted, so printing settings shows no key."""
    parts = []
    for f in dataclasses.fields(obj):
        if not f.repr:
            continue
        value = getattr(obj, f.name)
        if f.name == "base_url" and isinstance(value, str):
            value = redact_url(value)
        parts.append(f"{f.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"
