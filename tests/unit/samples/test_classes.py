"""The API's class field names exactly the classifier's classes (the route's Literal is spelled out
for the OpenAPI document, so a class added to the classifier must be added there too)."""

from __future__ import annotations

from typing import get_args

from soundmosaic.audio.samples import CLASSES

from functions.api.samples import SampleClass


def test_the_api_accepts_exactly_the_classifiers_classes() -> None:
    assert get_args(SampleClass) == CLASSES
