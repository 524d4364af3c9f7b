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

from soundmosaic.providers.adapters import Adapter, status_error
from soundmosaic.providers.types import (
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    Reply,
    TextRequest,
    Usage,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://api.anthropic.com"


class AnthropicAdapter(Adapter):
    provider = "anthropic"

    def __init__(self, env: Mapping[str, str]) -> None:
        self._key = env.get("ANTHROPIC_API_KEY", "")
        self._base_url = env.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        self._client: anthropic.Anthropic | None = None

    def text(self, entry: Entry, request: TextRequest) -> Reply[str]:
        if not request.prompt.strip():
            raise ProviderError(self.provider, entry.capability, "the prompt is empty")
        try:
            message = self._anthropic().messages.create(
                model=entry.model, max_tokens=request.max_tokens,
                messages=[{"role": "user", "content": request.prompt}],
                system=request.system or anthropic.omit, timeout=entry.timeout_s)
        except anthropic.APITimeoutError as exc:
            raise ProviderTimeout(self.provider, entry.capability,
                                  f"no answer within {entry.timeout_s:g} s") from exc
        except anthropic.APIConnectionError as exc:
            raise ProviderError(self.provider, entry.capability, f"connection failed: {exc}", True) from exc
        except anthropic.APIStatusError as exc:
            raise status_error(self.provider, entry.capability, exc.status_code, exc.message,
                               exc.response.headers.get("retry-after")) from exc
        usage = Usage(input_tokens=message.usage.input_tokens, output_tokens=message.usage.output_tokens)
        if message.stop_reason == "refusal":
            raise ProviderRefused(self.provider, entry.capability, "the model refused to answer",
                                  cost_usd=entry.price.cost(usage))
        text = "".join(block.text for block in message.content if block.type == "text")
        return Reply(text, usage)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _anthropic(self) -> anthropic.Anthropic:
        if self._client is None:
            self._client = anthropic.Anthropic(api_key=self._key, base_url=self._base_url, max_retries=0)
        return self._client
