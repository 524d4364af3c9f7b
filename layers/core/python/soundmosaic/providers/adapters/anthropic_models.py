"""Anthropic through its official client: text and chat (Claude) by the Messages API.

``chat`` streams (``messages.stream``): each text delta goes to the caller as it arrives, and
the final message's usage (with ``cache_creation`` split by TTL and ``cache_read_input_tokens``)
is priced by the registry entry.

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

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import anthropic

from soundmosaic.providers.adapters.sdk import SdkAdapter
from soundmosaic.providers.types import ChatRequest, ProviderError, ProviderRefused, Reply, TextRequest, Usage

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

    def chat(self, entry: Entry, request: ChatRequest, on_text: Callable[[str], None]) -> Reply[str]:
        if not request.messages:
            raise ProviderError(self.provider, entry.capability, "the conversation is empty")
        pieces: list[str] = []
        with self.calling(entry), self.client().messages.stream(
                model=entry.model, max_tokens=request.max_tokens, system=request.system,  # type: ignore[arg-type]
                messages=request.messages, timeout=entry.timeout_s) as stream:  # type: ignore[arg-type]
            for text in stream.text_stream:
                pieces.append(text)
                on_text(text)
            message = stream.get_final_message()
        usage = chat_usage(message.usage)
        if message.stop_reason == "refusal":
            raise ProviderRefused(self.provider, entry.capability, "the model refused to answer",
                                  cost_usd=entry.price.cost(usage))
        return Reply("".join(pieces), usage, stop_reason=message.stop_reason)


def chat_usage(usage: Any) -> Usage:
    """The Messages API's usage as ``Usage``: cache writes by TTL (``cache_creation``, else all of
    ``cache_creation_input_tokens`` at the 5-minute price) and cache reads."""
    written = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
    split = getattr(usage, "cache_creation", None)
    one_hour = int(getattr(split, "ephemeral_1h_input_tokens", 0) or 0) if split is not None else 0
    return Usage(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                 cache_write_5m_tokens=written - one_hour, cache_write_1h_tokens=one_hour,
                 cache_read_tokens=int(getattr(usage, "cache_read_input_tokens", 0) or 0))
