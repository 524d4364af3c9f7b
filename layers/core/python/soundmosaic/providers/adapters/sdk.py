"""What the adapters over a vendor's official Python client share (``anthropic``, ``openai``).

Both clients are made by the same generator: the constructor takes ``api_key``, ``base_url`` and
``max_retries``, and the errors are ``APITimeoutError``, ``APIConnectionError`` and
``APIStatusError``. ``SdkAdapter`` reads the key and base URL from the environment, builds the
client once, on first use, with its own retries off (ModelMosaic retries, and records every
attempt), closes it, and turns its errors into ``ProviderTimeout`` / ``ProviderError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from soundmosaic.providers.adapters import Adapter, status_error
from soundmosaic.providers.types import ProviderError, ProviderTimeout

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry


class _Client(Protocol):
    def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=_Client)


class SdkAdapter(Adapter, Generic[ClientT]):
    """An adapter whose calls go through ``client()``, inside ``with self.calling(entry):``."""

    key_variable: ClassVar[str]  # e.g. OPENAI_API_KEY
    base_url_variable: ClassVar[str]  # e.g. OPENAI_BASE_URL; tests point it at a local fake
    default_base_url: ClassVar[str]

    def __init__(self, env: Mapping[str, str], sdk: ModuleType, make: Callable[..., ClientT]) -> None:
        self._key = env.get(self.key_variable, "")
        self._base_url = env.get(self.base_url_variable) or self.default_base_url
        self._sdk, self._make = sdk, make
        self._client: ClientT | None = None

    def client(self) -> ClientT:
        if self._client is None:
            self._client = self._make(api_key=self._key, base_url=self._base_url, max_retries=0)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @contextlib.contextmanager
    def calling(self, entry: Entry) -> Iterator[None]:
        """The client's errors as ProviderTimeout / ProviderError (retryable where worth it)."""
        sdk: Any = self._sdk
        try:
            yield
        except sdk.APITimeoutError as exc:  # a kind of APIConnectionError: first
            raise ProviderTimeout(self.provider, entry.capability,
                                  f"no answer within {entry.timeout_s:g} s") from exc
        except sdk.APIConnectionError as exc:
            raise ProviderError(self.provider, entry.capability, f"connection failed: {exc}", True) from exc
        except sdk.APIStatusError as exc:
            raise status_error(self.provider, entry.capability, exc.status_code, exc.message,
                               exc.response.headers.get("retry-after")) from exc
