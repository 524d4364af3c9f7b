"""A fake Anthropic API that the official ``anthropic`` client talks to: ``POST /v1/messages``.

Needs the key as ``x-api-key`` or ``Authorization: Bearer`` (else 401) and an
``anthropic-version`` header (else 400). Answers a ``message`` whose text is the next one queued
with ``respond_with`` (else ``default_reply``); usage is ``usage`` when set, else about one token
per 4 characters. ``refuse_next()`` ends the message with ``stop_reason: "refusal"``. Errors come
in Anthropic's ``{"type": "error", "error": {...}}`` shape (529 is ``overloaded_error``).
"""

from __future__ import annotations

import json
import math
import secrets
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.base import FakeServer, Recorded, Response

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class FakeAnthropic(FakeServer):
    name = "anthropic"

    def __init__(self, api_key: str = "sk-ant-fake", *,
                 default_reply: str = "A reply from the fake Anthropic.",
                 usage: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.default_reply = default_reply
        self.usage = usage  # (input_tokens, output_tokens); None: counted from the text
        self._replies: deque[str] = deque()

    @property
    def base_url(self) -> str:
        return self.url

    def env(self) -> dict[str, str]:
        return {"ANTHROPIC_API_KEY": self.api_key, "ANTHROPIC_BASE_URL": self.base_url}

    def respond_with(self, *texts: str) -> None:
        """Queue the texts of the next answers."""
        self._replies.extend(texts)

    def error(self, status: int, message: str) -> Response:
        kind = _ERROR_TYPES.get(status, "api_error")
        return Response.of_json({"type": "error", "error": {"type": kind, "message": message}}, status)

    def route(self, request: Recorded) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        key = request.headers.get("x-api-key") or bearer
        if key != self.api_key:
            return self.error(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return self.error(400, "anthropic-version: header is required")
        if request.method != "POST" or request.path != "/v1/messages":
            return self.error(404, f"Not found: {request.method} {request.path}")
        body = request.json()
        if not body.get("model") or not body.get("messages") or not body.get("max_tokens"):
            return self.error(400, "model, messages and max_tokens are required")
        refused = self.take_refusal()
        text = "" if refused else (self._replies.popleft() if self._replies else self.default_reply)
        prompt = json.dumps([body.get("system", ""), body["messages"]])
        input_tokens, output_tokens = self.usage or (tokens(prompt), tokens(text))
        return Response.of_json({
            "id": f"msg_{secrets.token_hex(12)}", "type": "message", "role": "assistant",
            "model": body["model"], "content": [] if refused else [{"type": "text", "text": text}],
            "stop_reason": "refusal" if refused else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        })


@contextmanager
def anthropic_server(**options: Any) -> Iterator[FakeAnthropic]:
    """A running FakeAnthropic; ``options`` go to its constructor."""
    with FakeAnthropic(**options) as fake:
        yield fake
