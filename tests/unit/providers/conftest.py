"""ModelMosaic test helpers: registries written for the fakes, a mosaic whose backoff sleeps are
recorded instead of slept, and the fake vendor servers."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

import pytest
from soundmosaic.providers import ModelMosaic, Registry

from tests.fakes import FakeAnthropic, FakeOpenAI, FakePollinations, FakeReplicate

# Short timeouts and backoffs: a hang test waits timeout_s per attempt.
REGISTRY = """
[retry]
backoff_s = 0.2
backoff_max_s = 1.0

[[text]]
provider = "anthropic"
model = "claude-sonnet-4-6"
timeout_s = {timeout}
attempts = 3
price_per_million_input_tokens = 3.00
price_per_million_output_tokens = 15.00

[[text]]
provider = "openai"
model = "gpt-4o"
timeout_s = {timeout}
attempts = 3
price_per_million_input_tokens = 2.50
price_per_million_output_tokens = 10.00

[[vision]]
provider = "openai"
model = "gpt-4o"
timeout_s = {timeout}
attempts = 3
price_per_million_input_tokens = 2.50
price_per_million_output_tokens = 10.00

[[image]]
provider = "replicate"
model = "black-forest-labs/flux-1.1-pro"
timeout_s = {timeout}
attempts = 3
price_per_call = 0.04
max_side = 1440
size_multiple = 32
params = {{ aspect_ratio = "custom", output_format = "png", safety_tolerance = 2 }}

[[image]]
provider = "pollinations"
model = "flux"
timeout_s = {timeout}
attempts = 2

[[video]]
provider = "replicate"
model = "cuuupid/cogvideox-5b"
version = "5b14e2c2c648efecc8d36c6353576552f8a124e690587212f8e8bb17ecda3d8c"
timeout_s = {timeout}
attempts = 2
price_per_second = 0.0014
params = {{ steps = 50, guidance = 6, num_outputs = 1, extend_prompt = true }}
"""


def registry(timeout: float = 10.0, extra: str = "") -> Registry:
    return Registry.parse(REGISTRY.format(timeout=timeout) + extra, source="test-registry")


class Mosaics:
    """Builds ModelMosaic instances that record their backoff sleeps in ``sleeps``."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.made: list[ModelMosaic] = []

    def __call__(self, env: Mapping[str, str], reg: Registry | None = None, *,
                 timeout: float = 10.0) -> ModelMosaic:
        mosaic = ModelMosaic(reg or registry(timeout), dict(env), sleep=self.sleeps.append,
                             rng=random.Random(7))
        self.made.append(mosaic)
        return mosaic


@pytest.fixture
def mosaics() -> Iterator[Mosaics]:
    made = Mosaics()
    yield made
    for mosaic in made.made:
        mosaic.close()


@pytest.fixture
def replicate_fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as fake:
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def anthropic_fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def pollinations_fake() -> Iterator[FakePollinations]:
    with FakePollinations() as fake:
        yield fake
