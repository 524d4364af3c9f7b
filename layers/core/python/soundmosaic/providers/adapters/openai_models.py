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

from soundmosaic.providers.adapters import data_url
from soundmosaic.providers.adapters.sdk import SdkAdapter
from soundmosaic.providers.types import (
    ProviderError,
    ProviderRefused,
    Reply,
    TextRequest,
    Usage,
    VisionRequest,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DESCRIBE = "Describe this image: subject, colours, light, composition and mood, in a few sentences."


class OpenAIAdapter(SdkAdapter[openai.OpenAI]):
    provider = "openai"
    key_variable = "OPENAI_API_KEY"
    base_url_variable = "OPENAI_BASE_URL"
    default_base_url = DEFAULT_BASE_URL

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env, openai, openai.OpenAI)

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

    def _chat(self, entry: Entry, messages: list[dict[str, Any]], max_tokens: int,
              seed: int | None) -> Reply[str]:
        with self.calling(entry):
            completion = self.client().chat.completions.create(
                model=entry.model, messages=messages,  # type: ignore[arg-type]
                max_completion_tokens=max_tokens, seed=openai.omit if seed is None else seed,
                timeout=entry.timeout_s)
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
