"""Deployment settings, read from CDK context (``cdk.json`` defaults, ``-c key=value`` overrides).

Context keys
------------
stage
    Deployment stage (default ``dev``); part of every stack and physical resource name.
spa_origin
    Origin of the single-page app (scheme://host[:port]) allowed by S3 and API CORS and used for
    the Cognito callback/logout URLs. Comma-separate several origins.
auth_domain_prefix
    Cognito hosted UI domain prefix (default ``soundmosaic-<stage>``); it must be unique in the
    region, so set your own for a real deployment.
powertools_layer_version
    Version number of the AWS-published Powertools for AWS Lambda (Python) v3 layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

DEFAULT_STAGE = "dev"
DEFAULT_SPA_ORIGIN = "http://localhost:5173"
# Layer 27 carries aws-lambda-powertools 3.23.0 (pydantic and the tracer extras included).
DEFAULT_POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_ACCOUNT = "017000801446"
PYTHON_RUNTIME_TAG = "python311"
ARCHITECTURE_TAG = "x86_64"  # every function, the Powertools layer and the ffmpeg image agree

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?$")
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Settings:
    stage: str
    spa_origins: tuple[str, ...]
    auth_domain_prefix: str
    powertools_layer_version: int

    @property
    def is_production(self) -> bool:
        return self.stage in {"prod", "production"}

    @staticmethod
    def from_context(scope: Construct) -> Settings:
        node = scope.node
        stage = str(node.try_get_context("stage") or DEFAULT_STAGE)
        if not _STAGE.match(stage):
            raise ValueError(f"context stage={stage!r}: use 1-20 lowercase letters, digits, '-'")
        raw_origins = str(node.try_get_context("spa_origin") or DEFAULT_SPA_ORIGIN)
        origins = tuple(o.strip().rstrip("/") for o in raw_origins.split(",") if o.strip())
        for origin in origins:
            if not _ORIGIN.match(origin):
                raise ValueError(f"context spa_origin={origin!r}: expected scheme://host[:port]")
        prefix = str(node.try_get_context("auth_domain_prefix") or f"soundmosaic-{stage}")
        if not _DOMAIN_PREFIX.match(prefix) or any(w in prefix for w in ("aws", "amazon",
                                                                          "cognito")):
            raise ValueError(f"context auth_domain_prefix={prefix!r} is not a valid Cognito prefix")
        version = int(node.try_get_context("powertools_layer_version")
                      or DEFAULT_POWERTOOLS_LAYER_VERSION)
        return Settings(stage=stage, spa_origins=origins, auth_domain_prefix=prefix,
                        powertools_layer_version=version)
