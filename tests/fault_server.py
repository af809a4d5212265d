"""A scripted OpenAI-compatible fault server on loopback (pytest-httpserver) for tests and the
fault benchmark: each `Script` answers chat completion requests with the replies given, in order,
and counts what arrived."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

__all__ = ["BODY", "Reply", "Script", "completion", "status"]

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
