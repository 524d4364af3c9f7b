"""A fake OpenAI API that the official ``openai`` client talks to: ``POST /v1/chat/completions``.

Needs ``Authorization: Bearer <api_key>`` (else 401). Answers a ``chat.completion`` whose
content is the next text queued with ``respond_with`` (else ``default_reply``). Usage is
``usage`` when set, else about one token per 4 characters of the request's messages and of the
reply. ``refuse_next()`` answers with ``content: null`` and a ``refusal``, as GPT-4o does.
Errors come in OpenAI's ``{"error": {...}}`` shape.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.base import FakeServer, Recorded, Response

REFUSAL = "I'm sorry, but I can't help with that request."
_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "rate_limit_exceeded"}


def tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class FakeOpenAI(FakeServer):
    name = "openai"

    def __init__(self, api_key: str = "sk-fake-openai", *,
                 default_reply: str = "A reply from the fake OpenAI.",
                 usage: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.default_reply = default_reply
        self.usage = usage  # (prompt_tokens, completion_tokens); None: counted from the text
        self._replies: deque[str] = deque()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": self.api_key, "OPENAI_BASE_URL": self.base_url}

    def respond_with(self, *texts: str) -> None:
        """Queue the contents of the next answers."""
        self._replies.extend(texts)

    def error(self, status: int, message: str) -> Response:
        kind = _ERROR_TYPES.get(status, "server_error")
        return Response.of_json({"error": {"message": message, "type": kind, "param": None, "code": None}},
                                status)

    def route(self, request: Recorded) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.error(401, "Incorrect API key provided.")
        if request.method != "POST" or request.path != "/v1/chat/completions":
            return self.error(404, f"Unknown request URL: {request.method} {request.path}")
        body = request.json()
        if not body.get("model") or not body.get("messages"):
            return self.error(400, "model and messages are required")
        refused = self.take_refusal()
        text = "" if refused else (self._replies.popleft() if self._replies else self.default_reply)
        prompt_tokens, completion_tokens = self.usage or (tokens(json.dumps(body["messages"])),
                                                          tokens(text or REFUSAL))
        message: dict[str, Any] = {"role": "assistant", "content": None if refused else text,
                                   "refusal": REFUSAL if refused else None, "annotations": []}
        return Response.of_json({
            "id": f"chatcmpl-{secrets.token_hex(12)}", "object": "chat.completion",
            "created": int(time.time()), "model": body["model"], "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })


@contextmanager
def openai_server(**options: Any) -> Iterator[FakeOpenAI]:
    """A running FakeOpenAI; ``options`` go to its constructor."""
    with FakeOpenAI(**options) as fake:
        yield fake
