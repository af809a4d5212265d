"""A scripted OpenAI-compatible fault server on loopback (pytest-httpserver) for tests and the
fault benchmark: each `Script` answers chat completion requests with the replies given, in order,
and counts what arrived."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

__all__ = ["BODY", "Reply", "Script", "completion", "reset_mid_body", "status"]

BODY = (
    "The ban matters to British companies that buy the chips, and the National Cyber Security "
    "Centre will want to know which systems depend on them."
)

Reply = Response | Callable[[Request], Response]


def completion(
    content: str | None = json.dumps({"body": BODY}),
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    **overrides: Any,
) -> Response:
    """A chat completion as an OpenAI-compatible server sends it."""
    data: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    data.update(overrides)
    return Response(json.dumps(data), status=200, content_type="application/json")


def status(code: int, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": {"message": f"scripted {code}", "type": "fault"}})
    return Response(body, status=code, headers=headers or {}, content_type="application/json")


class Script:
    """Replies in order, the last one repeated; counts the requests that arrived."""

    def __init__(self, server: HTTPServer, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests = 0
        self.received: list[Request] = []
        self._lock = threading.Lock()
        server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
            self._handle
        )
        self.url = server.url_for("/v1")

    def _handle(self, request: Request) -> Response:
        with self._lock:
            reply = self.replies[min(self.requests, len(self.replies) - 1)]
            self.requests += 1
            self.received.append(request)
        return reply if isinstance(reply, Response) else reply(request)


@contextlib.contextmanager
def reset_mid_body() -> Iterator[tuple[str, list[int]]]:
    """Sends headers and half a body, then resets the connection; the second time, answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.05)
    stop = threading.Event()
    served: list[int] = []
    answer = completion().get_data()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                conn.recv(65536)
                served.append(1)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                if len(served) == 1:
                    conn.sendall(head + b"Content-Length: 500\r\n\r\n" + answer[:20])
                    # Linger 0: close() sends a TCP reset instead of an orderly end.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                else:
                    conn.sendall(head + f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/v1", served
    stop.set()
    thread.join(timeout=2)
    srv.close()
