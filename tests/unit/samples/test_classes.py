"""The API's class field and the samples service name exactly the classifier's classes (both are
spelled out: the route's Literal for the OpenAPI document, the service's tuple because the api image
has no soundfile), so a class added to the classifier must be added there too."""

from __future__ import annotations

from typing import get_args

from soundmosaic.audio.samples import CLASSES
from soundmosaic.samples import service

from functions.api.samples import SampleClass


def test_the_api_accepts_exactly_the_classifiers_classes() -> None:
    assert get_args(SampleClass) == CLASSES
    assert service.CLASSES == CLASSES  # the service's copy (the api image has no soundfile)
