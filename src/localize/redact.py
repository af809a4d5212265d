"""Credentials out of URLs: every URL localize records or prints goes through here first.

A base URL may carry a key as userinfo (``https://user:KEY@host/v1``) or in its query string
(``?api-key=KEY``, Azure style). Userinfo is dropped; query values are replaced by ``REDACTED``,
except for a few names known to hold no secret (``api-version``). The fragment is dropped.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = ["REDACTED", "redact_host", "redact_url"]

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
    if not parts.scheme and not parts.netloc:
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
