"""The sample library in headless Chromium against a real local stack (issue 19).

Two tracks' drum stems are sliced by the audio lab's real ``samples`` stage in this process,
against the stack's own S3 and DynamoDB (its ``runtime.json``); the browser then lists, filters,
auditions, sorts by similarity, maps, stars and packs them. Screenshots: sample-library.png and
sample-map.png (``SOUNDMOSAIC_E2E_SCREENSHOTS=docs/img`` refreshes the docs' ones).
"""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import numpy as np
import pytest
from soundmosaic.platform import aws
from soundmosaic_local.runtime import provision
from soundmosaic_local.training import synth

from tests.e2e.conftest import Browser, Stack
from tests.integration.samples.test_samples import seed_track

pytestmark = pytest.mark.e2e

# An artist of its own: the seeded tracks have no original audio, and the shared stack's other
# scenarios (the library page, processing) must not find them in their artist's library.
ARTIST = "e2e-samples"


@pytest.fixture(scope="module")
def seeded(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    endpoint = json.loads((stack.data / "runtime.json").read_text())["aws_endpoint"]
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "local",
                            "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": provision.REGION,
                            **provision.environment("local", endpoint)}.items():
            env.setenv(name, value)
        aws.reset()
        tmp = tmp_path_factory.mktemp("e2e-samples")
        kick = synth.generate("kick", np.random.default_rng(7))
        titles = ((1, "Night Drive"), (2, "Morning Run"))
        ids = [seed_track(ARTIST, title, kick, n, tmp) for n, title in titles]
    aws.reset()
    return ids


def test_the_sample_library_in_the_browser(browser: Browser, stack: Stack, seeded: list[str]) -> None:
    seen = browser.run("sampleLibrary", timeout=240, token=stack.token_for(ARTIST))
    assert seen["listed"] >= 6
    assert seen["auditioned"] >= 2  # hover and Enter each fetched a sample to decode
    assert 1 <= seen["kicks"] < seen["listed"]
    assert seen["similarity"].endswith("%")
    assert seen["points"] == seen["listed"]
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(seen["pack"]).content))
    assert len([n for n in archive.namelist() if n.endswith(".wav")]) == 2
    assert any(n.endswith("manifest.json") for n in archive.namelist())
