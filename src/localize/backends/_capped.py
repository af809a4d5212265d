"""HTTP answers read with a byte cap: an endpoint cannot make a run hold 50 MB, or wait for it.

The openai SDK reads a whole response body before parsing it. The SDK's own HTTP client is given
a transport that wraps each response's byte stream and stops it one chunk past
`MAX_RESPONSE_BYTES` (a ``Content-Length`` over the cap is refused before the body is read). A
chat completion holding one section is a few kilobytes. The error is an ``openai.OpenAIError``
so the SDK passes it up as it is, neither retried nor disguised as a connection error; the
client turns it into an `InvalidResponseError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import openai

from localize._reading import human_size

__all__ = ["MAX_RESPONSE_BYTES", "ResponseTooLargeError", "async_http_client", "http_client"]

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# The SDK's own pool limits (openai._constants), kept with the transport replaced.
_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


class ResponseTooLargeError(openai.OpenAIError):
    """The endpoint's response body went past the cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the response is larger than {human_size(limit)}")


def _declared_too_large(response: httpx2.Response, limit: int) -> bool:
    length = response.headers.get("content-length", "")
    return length.isdigit() and len(length) < 20 and int(length) > limit


class _Capped(httpx2.SyncByteStream):
    def __init__(self, stream: httpx2.SyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._stream:
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseTooLargeError(self._limit)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class _AsyncCapped(httpx2.AsyncByteStream):
    def __init__(self, stream: httpx2.AsyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._stream:
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseTooLargeError(self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


class _CappedTransport(httpx2.BaseTransport):
    def __init__(self, limit: int) -> None:
        self._inner = httpx2.HTTPTransport(limits=_LIMITS)
        self._limit = limit

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        if _declared_too_large(response, self._limit):
            response.close()
            raise ResponseTooLargeError(self._limit)
        assert isinstance(response.stream, httpx2.SyncByteStream)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_Capped(response.stream, self._limit),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class _AsyncCappedTransport(httpx2.AsyncBaseTransport):
    def __init__(self, limit: int) -> None:
        self._inner = httpx2.AsyncHTTPTransport(limits=_LIMITS)
        self._limit = limit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if _declared_too_large(response, self._limit):
            await response.aclose()
            raise ResponseTooLargeError(self._limit)
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_AsyncCapped(response.stream, self._limit),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(limit: int = MAX_RESPONSE_BYTES) -> httpx2.Client:
    """The SDK's default HTTP client (its timeouts, limits, redirects), reading with a cap."""
    return openai.DefaultHttpxClient(transport=_CappedTransport(limit))


def async_http_client(limit: int = MAX_RESPONSE_BYTES) -> httpx2.AsyncClient:
    return openai.DefaultAsyncHttpxClient(transport=_AsyncCappedTransport(limit))
