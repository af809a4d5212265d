"""SDK exceptions mapped to localize's `BackendError` family, with the endpoint redacted."""

from __future__ import annotations

import json

import httpx2
import openai

from localize._reading import human_size
from localize._redact import redact_text, redact_url, sent_secrets
from localize.backends._capped import ResponseTooLargeError
from localize.errors import (
    BackendError,
    EndpointAuthError,
    EndpointUnreachableError,
    InvalidResponseError,
)

__all__ = ["backend_error", "failure"]


def failure(exc: BaseException | None) -> str:
    """A short name for a failed request: HTTP status or the kind of connection failure."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection error"
    return type(exc).__name__ if exc is not None else "unknown error"


def backend_error(
    exc: Exception, base_url: str, model: str, attempts: int | None = None
) -> BackendError:
    """Turn an SDK exception into localize's error, keeping status, request id and attempts.

    The endpoint is named with its credentials removed.
    """
    where = redact_url(base_url)
    if isinstance(exc, openai.APIStatusError):
        # The endpoint's own message may quote the request's credentials back (a proxy does).
        secrets = sent_secrets(
            exc.request.headers.get("authorization"), exc.request.url.params.multi_items()
        )
        cls, message = (
            BackendError,
            redact_text(f"{where} failed: {exc.message}".replace(base_url, where), secrets),
        )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            cls, message = EndpointAuthError, f"{where} refused the API key (check OPENAI_API_KEY)"
        elif isinstance(exc, openai.NotFoundError):
            message = f"{where} has no model '{model}' or no chat completions route"
        return cls(
            message,
            base_url=where,
            status_code=exc.status_code,
            request_id=exc.request_id,
            attempts=attempts,
        )
    if isinstance(exc, openai.APITimeoutError):
        return EndpointUnreachableError(f"{where} timed out", base_url=where, attempts=attempts)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        if cause is None or isinstance(cause, httpx2.ConnectError):
            message = f"cannot connect to {where}"
        else:
            # Connected, then the answer broke off (a reset, a body cut short or undecodable):
            # "cannot connect" would send an editor to check an endpoint that is up.
            message = redact_text(
                f"the connection to {where} broke: {cause}".replace(base_url, where)
            )
        return EndpointUnreachableError(message, base_url=where, attempts=attempts)
    if isinstance(exc, ResponseTooLargeError):
        return InvalidResponseError(
            f"{where} answered with a body past the {human_size(exc.limit)} limit, "
            "not a chat completion",
            base_url=where,
            attempts=attempts,
        )
    if isinstance(exc, json.JSONDecodeError):  # the SDK's, on a 200 whose JSON body is broken
        return InvalidResponseError(
            f"{where} answered with a body that is not JSON, not a chat completion",
            base_url=where,
            attempts=attempts,
        )
    return BackendError(f"{where} failed: {exc}".replace(base_url, where), base_url=where)
