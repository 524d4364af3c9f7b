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
(no Powertools key)
    The AWS-published Powertools for AWS Lambda (Python) v3 layer that zip functions get is the
    release pinned in ``pyproject.toml`` (``aws-lambda-powertools==X.Y.Z``, the version the tests
    and the container images use): its ARN is read at deploy time from the public SSM parameter
    ``/aws/service/powertools/python/x86_64/python3.11/X.Y.Z`` that the Powertools team publishes
    per release. The former ``powertools_layer_version`` key (a layer number, which drifted from
    the pin) is refused.
gpu
    ``true`` adds the compute stack: a SageMaker asynchronous inference endpoint on a GPU
    instance that scales to zero, serving the ``containers/audio`` worker; the ``audio``
    function then gets its name (``SOUNDMOSAIC_SAGEMAKER_ENDPOINT``). Default ``false``: no
    compute stack at all, every stage runs in the ``audio`` Lambda on the CPU.
gpu_instance_type
    SageMaker instance type of the endpoint (default ``ml.g5.xlarge``, one NVIDIA A10G).
gpu_max_instances
    Most instances the endpoint scales out to (default 2; the least is always 0).
distributor_url
    Root of the distributor's REST API that publishing sends releases to (the api and publish
    functions get it as ``SOUNDMOSAIC_DISTRIBUTOR_URL``). Its token is not context: put it in
    the provider-keys secret as ``SOUNDMOSAIC_DISTRIBUTOR_TOKEN``. Unset: publishing is
    refused with a clear error until it is set.
distributor_auth_header
    Header carrying the token (default ``Authorization: Bearer <token>``; e.g. ``X-Api-Key``).
isrc_prefix
    Country code, registrant code and year of the ISRCs assigned to published takes, e.g.
    ``GBXYZ26`` (default ``ZZSMG`` + the year: "ZZ" is no country, a test prefix).
ddex_sender_dpid, ddex_sender_name, ddex_recipient_dpid, ddex_recipient_name, ddex_test
    The DDEX ERN message header: your DDEX Party ID and name, the distributor's, and whether
    messages are ``TestMessage`` (default true). Defaults are sandbox values.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from constructs import Construct

DEFAULT_STAGE = "dev"
DEFAULT_SPA_ORIGIN = "http://localhost:5173"  # development stages only
PRODUCTION_STAGES = frozenset({"prod", "production"})
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PYTHON_VERSION = "3.11"
ARCHITECTURE_TAG = "x86_64"  # every function, the Powertools layer and the ffmpeg image agree
_POWERTOOLS_PIN = re.compile(r"^aws-lambda-powertools(\[[^\]]*\])?==(?P<version>\d+\.\d+\.\d+)$")


def pinned_powertools_version(pyproject: Path = PYPROJECT) -> str:
    """The ``aws-lambda-powertools==X.Y.Z`` pin of the project's dependencies."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    for requirement in dependencies:
        found = _POWERTOOLS_PIN.match(requirement.replace(" ", ""))
        if found:
            return found["version"]
    raise ValueError(f"{pyproject}: pin aws-lambda-powertools exactly (==X.Y.Z): the zip functions' "
                     "Powertools layer is that release")


def powertools_layer_parameter(version: str) -> str:
    """The public SSM parameter holding the ARN of the Powertools v3 layer of ``version``."""
    return f"/aws/service/powertools/python/{ARCHITECTURE_TAG}/python{PYTHON_VERSION}/{version}"


_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?$")
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
DEFAULT_GPU_INSTANCE_TYPE = "ml.g5.xlarge"
DEFAULT_GPU_MAX_INSTANCES = 2
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def context_flag(value: object, key: str) -> bool:
    """A boolean context value: JSON booleans from cdk.json, strings from ``-c key=value``."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"context {key}={value!r}: use true or false")


@dataclass(frozen=True)
class Settings:
    stage: str
    spa_origins: tuple[str, ...]
    auth_domain_prefix: str
    powertools_version: str
    gpu: bool = False
    gpu_instance_type: str = DEFAULT_GPU_INSTANCE_TYPE
    gpu_max_instances: int = DEFAULT_GPU_MAX_INSTANCES
    publishing: tuple[tuple[str, str], ...] = ()  # (environment variable, value), only those set

    def publishing_env(self) -> dict[str, str]:
        return dict(self.publishing)

    @property
    def is_production(self) -> bool:
        return self.stage in PRODUCTION_STAGES

    @staticmethod
    def from_context(scope: Construct) -> Settings:
        node = scope.node
        stage = str(node.try_get_context("stage") or DEFAULT_STAGE)
        if not _STAGE.match(stage):
            raise ValueError(f"context stage={stage!r}: use 1-20 lowercase letters, digits, '-'")
        named = node.try_get_context("spa_origin")
        if not named and stage in PRODUCTION_STAGES:
            # CORS and the Cognito callback would otherwise point at a developer's laptop.
            raise ValueError(f"stage {stage!r} needs its SPA's origin: -c spa_origin=https://your-site.example")
        raw_origins = str(named or DEFAULT_SPA_ORIGIN)
        origins = tuple(o.strip().rstrip("/") for o in raw_origins.split(",") if o.strip())
        for origin in origins:
            if not _ORIGIN.match(origin):
                raise ValueError(f"context spa_origin={origin!r}: expected scheme://host[:port]")
            if stage in PRODUCTION_STAGES and not origin.startswith("https://"):
                raise ValueError(f"stage {stage!r}: spa_origin {origin!r} must be https")
        prefix = str(node.try_get_context("auth_domain_prefix") or f"soundmosaic-{stage}")
        if not _DOMAIN_PREFIX.match(prefix) or any(w in prefix for w in ("aws", "amazon",
                                                                          "cognito")):
            raise ValueError(f"context auth_domain_prefix={prefix!r} is not a valid Cognito prefix")
        if node.try_get_context("powertools_layer_version") is not None:
            raise ValueError("context powertools_layer_version is gone: the Powertools layer is the "
                             "aws-lambda-powertools release pinned in pyproject.toml")
        gpu = context_flag(node.try_get_context("gpu"), "gpu")
        instance_type = str(node.try_get_context("gpu_instance_type") or DEFAULT_GPU_INSTANCE_TYPE)
        if not _INSTANCE_TYPE.match(instance_type):
            raise ValueError(f"context gpu_instance_type={instance_type!r}: expected ml.<family>.<size>")
        raw_max = node.try_get_context("gpu_max_instances")
        try:
            max_instances = int(raw_max) if raw_max not in (None, "") else DEFAULT_GPU_MAX_INSTANCES
        except (TypeError, ValueError):
            raise ValueError(f"context gpu_max_instances={raw_max!r}: expected a whole number") from None
        if not 1 <= max_instances <= 100:
            raise ValueError(f"context gpu_max_instances={max_instances}: use 1 to 100")
        return Settings(stage=stage, spa_origins=origins, auth_domain_prefix=prefix,
                        powertools_version=pinned_powertools_version(), gpu=gpu,
                        gpu_instance_type=instance_type, gpu_max_instances=max_instances,
                        publishing=publishing_context(scope))


# Publishing context key -> (environment variable, pattern of a valid value).
PUBLISHING_CONTEXT = {
    "distributor_url": ("SOUNDMOSAIC_DISTRIBUTOR_URL", re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/\S*)?$")),
    "distributor_auth_header": ("SOUNDMOSAIC_DISTRIBUTOR_AUTH_HEADER", re.compile(r"^[A-Za-z0-9-]{1,64}$")),
    "isrc_prefix": ("SOUNDMOSAIC_ISRC_PREFIX", re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{2}$")),
    "ddex_sender_dpid": ("SOUNDMOSAIC_DDEX_SENDER_DPID", re.compile(r"^PADPIDA[0-9A-Z]{11}$")),
    "ddex_sender_name": ("SOUNDMOSAIC_DDEX_SENDER_NAME", re.compile(r"^\S.{0,199}$")),
    "ddex_recipient_dpid": ("SOUNDMOSAIC_DDEX_RECIPIENT_DPID", re.compile(r"^PADPIDA[0-9A-Z]{11}$")),
    "ddex_recipient_name": ("SOUNDMOSAIC_DDEX_RECIPIENT_NAME", re.compile(r"^\S.{0,199}$")),
}


def publishing_context(scope: Construct) -> tuple[tuple[str, str], ...]:
    """The publishing settings given in context, validated, as environment variables."""
    found: list[tuple[str, str]] = []
    for key, (env, pattern) in PUBLISHING_CONTEXT.items():
        value = scope.node.try_get_context(key)
        if value in (None, ""):
            continue
        if not pattern.match(str(value)):
            raise ValueError(f"context {key}={value!r} is not valid (expected {pattern.pattern})")
        found.append((env, str(value)))
    test = scope.node.try_get_context("ddex_test")
    if test not in (None, ""):
        found.append(("SOUNDMOSAIC_DDEX_TEST", "true" if context_flag(test, "ddex_test") else "false"))
    return tuple(found)
