"""OpenAI through its official client: text and vision (GPT-4o) by Chat Completions.

The caller's ``system`` and ``prompt`` go out as they are; vision sends the image as a data URL.
A ``refusal`` in the answer, or a ``content_filter`` finish, is ``ProviderRefused``. The client's
own retries are off: ModelMosaic retries, and records every attempt.

Environment variables
---------------------
OPENAI_API_KEY
    The key, sent as ``Authorization: Bearer``.
OPENAI_BASE_URL
    API root (default ``https://api.openai.com/v1``); tests point it at a local fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import openai

from soundmosaic.providers.adapters import Adapter, data_url, status_error
from soundmosaic.providers.types import (
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    Reply,
    TextRequest,
    Usage,
    VisionRequest,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DESCRIBE = "Describe this image: subject, colours, light, composition and mood, in a few sentences."


class OpenAIAdapter(Adapter):
    provider = "openai"

    def __init__(self, env: Mapping[str, str]) -> None:
        self._key = env.get("OPENAI_API_KEY", "")
        self._base_url = env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self._client: openai.OpenAI | None = None

    def text(self, entry: Entry, request: TextRequest) -> Reply[str]:
        if not request.prompt.strip():
            raise ProviderError(self.provider, entry.capability, "the prompt is empty")
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": request.prompt})
        return self._chat(entry, messages, request.max_tokens, request.seed)

    def vision(self, entry: Entry, request: VisionRequest) -> Reply[str]:
        content = [
            {"type": "text", "text": request.question or DESCRIBE},
            {"type": "image_url", "image_url": {"url": data_url(request.image, request.content_type)}},
        ]
        return self._chat(entry, [{"role": "user", "content": content}], 1024, None)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _chat(self, entry: Entry, messages: list[dict[str, Any]], max_tokens: int,
              seed: int | None) -> Reply[str]:
        try:
            completion = self._openai().chat.completions.create(
                model=entry.model, messages=messages,  # type: ignore[arg-type]
                max_completion_tokens=max_tokens, seed=openai.omit if seed is None else seed,
                timeout=entry.timeout_s)
        except openai.APITimeoutError as exc:
            raise ProviderTimeout(self.provider, entry.capability,
                                  f"no answer within {entry.timeout_s:g} s") from exc
        except openai.APIConnectionError as exc:
            raise ProviderError(self.provider, entry.capability, f"connection failed: {exc}", True) from exc
        except openai.APIStatusError as exc:
            raise status_error(self.provider, entry.capability, exc.status_code, exc.message,
                               exc.response.headers.get("retry-after")) from exc
        usage = Usage(input_tokens=completion.usage.prompt_tokens if completion.usage else 0,
                      output_tokens=completion.usage.completion_tokens if completion.usage else 0)
        if not completion.choices:
            raise ProviderError(self.provider, entry.capability, "the answer has no choices")
        choice = completion.choices[0]
        cost = entry.price.cost(usage)
        if choice.message.refusal:
            raise ProviderRefused(self.provider, entry.capability, choice.message.refusal, cost_usd=cost)
        if choice.finish_reason == "content_filter":
            raise ProviderRefused(self.provider, entry.capability, "the content filter stopped the answer",
                                  cost_usd=cost)
        return Reply(choice.message.content or "", usage)

    def _openai(self) -> openai.OpenAI:
        if self._client is None:
            self._client = openai.OpenAI(api_key=self._key, base_url=self._base_url, max_retries=0)
        return self._client
