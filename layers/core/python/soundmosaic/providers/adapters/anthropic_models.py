"""Anthropic through its official client: text (Claude) by the Messages API.

The caller's ``system`` and ``prompt`` go out as they are (Claude takes no seed). A
``stop_reason`` of ``"refusal"`` is ``ProviderRefused``. The client's own retries are off:
ModelMosaic retries, and records every attempt.

Environment variables
---------------------
ANTHROPIC_API_KEY
    The key.
ANTHROPIC_BASE_URL
    API root (default ``https://api.anthropic.com``); tests point it at a local fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import anthropic

from soundmosaic.providers.adapters.sdk import SdkAdapter
from soundmosaic.providers.types import ProviderError, ProviderRefused, Reply, TextRequest, Usage

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://api.anthropic.com"


class AnthropicAdapter(SdkAdapter[anthropic.Anthropic]):
    provider = "anthropic"
    key_variable = "ANTHROPIC_API_KEY"
    base_url_variable = "ANTHROPIC_BASE_URL"
    default_base_url = DEFAULT_BASE_URL

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env, anthropic, anthropic.Anthropic)

    def text(self, entry: Entry, request: TextRequest) -> Reply[str]:
        if not request.prompt.strip():
            raise ProviderError(self.provider, entry.capability, "the prompt is empty")
        with self.calling(entry):
            message = self.client().messages.create(
                model=entry.model, max_tokens=request.max_tokens,
                messages=[{"role": "user", "content": request.prompt}],
                system=request.system or anthropic.omit, timeout=entry.timeout_s)
        usage = Usage(input_tokens=message.usage.input_tokens, output_tokens=message.usage.output_tokens)
        if message.stop_reason == "refusal":
            raise ProviderRefused(self.provider, entry.capability, "the model refused to answer",
                                  cost_usd=entry.price.cost(usage))
        text = "".join(block.text for block in message.content if block.type == "text")
        return Reply(text, usage)
