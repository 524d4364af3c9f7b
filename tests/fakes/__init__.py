"""Fake vendor servers for tests: real HTTP on 127.0.0.1 that the official clients talk to.

Each is a context manager yielding a running fake (see ``tests.fakes.base`` for the API they
share: ``url``, ``env()``, ``requests``, ``fail_next``, ``hang_next``, ``refuse_next``)::

    from tests.fakes import openai_server

    with openai_server() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", fake.api_key)        # or: env = fake.env()
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        fake.respond_with('[{"name": "Glass Harbour", "rationale": "..."}]')
        ...
        assert fake.requests[-1].json()["model"] == "gpt-4o"

Images they serve are real Pillow-made files; videos are real H.264 MP4s made with ffmpeg.
"""

from tests.fakes.anthropic_server import FakeAnthropic, anthropic_server
from tests.fakes.base import FakeServer, Recorded, Response
from tests.fakes.openai_server import FakeOpenAI, openai_server
from tests.fakes.pollinations_server import FakePollinations, pollinations_server
from tests.fakes.replicate_server import FakeReplicate, replicate_server
from tests.fakes.spotify_server import FakeSpotify

__all__ = [
    "FakeAnthropic",
    "FakeOpenAI",
    "FakePollinations",
    "FakeReplicate",
    "FakeServer",
    "FakeSpotify",
    "Recorded",
    "Response",
    "anthropic_server",
    "openai_server",
    "pollinations_server",
    "replicate_server",
]
