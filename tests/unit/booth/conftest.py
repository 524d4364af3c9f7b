"""Booth unit tests: moto in-process (``aws_env``) with the booth table, the media bucket and the
PII key made by ``provision``; callers are built as the API builds them from token claims."""

from __future__ import annotations

from typing import Any

import pytest
from soundmosaic.booth import service
from soundmosaic.booth.access import BoothCaller

PII = {"name": "Zoë Quintanilha", "email": "zoe.q@example.org", "phone": "+5521987654321"}


def organiser(sub: str = "org-a") -> BoothCaller:
    return BoothCaller(sub, "organiser", None)


def operator(event_id: str, sub: str = "kiosk-1") -> BoothCaller:
    return BoothCaller(sub, "operator", event_id)


def form(event: dict[str, Any], *, collage: bool = True, **pii: str) -> dict[str, Any]:
    return {
        **PII,
        **pii,
        "consents": [
            {"key": c["key"], "text": c["text"], "accepted": c["required"] or collage}
            for c in event["consents"]
        ],
    }


@pytest.fixture
def event(aws_env: None) -> dict[str, Any]:
    return service.create_event(organiser(), "Rock in Rio 2026 — Palco Mundo", None, 30)
