"""The event booth in headless Chromium against a real local stack, on a tablet-sized touch
screen, with a fake camera that plays a package-shipped portrait (Grace Hopper, Matplotlib's
sample data): the kiosk takes the photo, refuses a phone without a country code beside its box,
shows the QR code; the operator's queue follows the job to the end; the participant's page (no
session) plays the video and offers both downloads. Screenshots: booth-kiosk, booth-qr,
booth-queue, booth-participant."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from soundmosaic_local import booth_eval

from tests.e2e.conftest import Browser, Stack, _token

pytestmark = pytest.mark.e2e
DRIVER = Path(__file__).with_name("booth_driver.mjs")


@pytest.fixture(scope="module")
def booth_event(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An organiser's event with one musician clip (the astronaut photograph, moving)."""
    folder = tmp_path_factory.mktemp("booth-e2e")
    template = booth_eval.template_clip(folder / "template.mp4", frames=24, fps=12)
    organiser = stack.api(_token(stack.data, "e2e-organiser", "--booth-role", "organiser"))
    event = organiser.post("/booth/events", json={"name": "E2E Festival", "retention_days": 7}).json()
    made = organiser.post(f"/booth/events/{event['event_id']}/templates",
                          json={"kind": "musician", "title": "Astronaut", "content_type": "video/mp4"}).json()
    httpx.put(made["upload"]["url"], content=template.path.read_bytes(),
              headers=made["upload"]["headers"]).raise_for_status()
    camera = folder / "camera.y4m"  # the fake webcam: the portrait, 2 s at 10 fps, 640x480
    fit = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(booth_eval.grace_hopper_path()),
                    "-t", "2", "-r", "10", "-vf", fit, "-pix_fmt", "yuv420p", str(camera)], check=True)
    return {"event": event, "camera": camera}


def test_kiosk_to_participant_page_with_a_fake_camera(browser: Browser, stack: Stack,
                                                     booth_event: dict[str, Any]) -> None:
    kiosk = _token(stack.data, "e2e-kiosk", "--booth-role", "operator", "--booth-event",
                   booth_event["event"]["event_id"])
    as_kiosk = Browser(Stack(stack.url, kiosk, stack.data, stack.process), browser.shots, browser.downloads)
    seen = as_kiosk.run(
        "kiosk", timeout=420, driver=DRIVER, camera=str(booth_event["camera"]),
        allow_console=("status of 400",),  # the phone refused on purpose
        form={"name": "Grace Brewster", "email": "grace.b@example.org", "phone": "+1 212 555 0199"})
    assert "international format" in seen["phoneError"]
    assert "/booth/p/" in seen["link"]
    assert "succeeded" in seen["jobRow"] and "100%" in seen["jobRow"]
    assert seen["video"] and seen["image"]
    assert httpx.get(seen["video"]).headers["content-type"] == "video/mp4"
    assert seen["takeButton"]["height"] >= 60  # a touch target, not a desktop button
