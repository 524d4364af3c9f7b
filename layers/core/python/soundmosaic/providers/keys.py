"""Vendor keys from AWS Secrets Manager, for deployed functions.

In AWS the keys are not put in a function's environment (where they would show in the console
and in every deployment template): the CDK app creates one secret, a JSON object of variable
names to values (``{"REPLICATE_API_TOKEN": "...", "OPENAI_API_KEY": "..."}``), and hands its
ARN to the functions that call providers in ``PROVIDER_KEYS_SECRET``. ``with_secret_keys``
merges it into the environment ModelMosaic reads; a variable already set wins, so a key in the
environment (the local runtime, tests) never needs the secret.

Environment variables
---------------------
PROVIDER_KEYS_SECRET
    ARN or name of the secret. Unset: nothing is fetched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

# Only the names ModelMosaic reads are taken from the secret: it cannot switch on anything else.
KEY_NAMES = ("REPLICATE_API_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SOUNDMOSAIC_POLLINATIONS",
             # the named catalogs (generation.external): Apple Music's developer key, AcoustID's key
             "APPLE_MUSIC_PRIVATE_KEY", "APPLE_MUSIC_KEY_ID", "APPLE_MUSIC_TEAM_ID", "ACOUSTID_API_KEY")


class SecretUnreadable(RuntimeError):
    """The keys secret is named but cannot be read or is not a JSON object of strings."""


@functools.cache
def _secret(secret_id: str) -> dict[str, str]:
    from soundmosaic.platform import aws

    try:
        raw = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        values = json.loads(raw or "{}")
    except Exception as err:  # any failure reads the same to the caller: no keys from the secret
        raise SecretUnreadable(f"could not read the provider keys secret {secret_id}: {err}") from err
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise SecretUnreadable(f"the provider keys secret {secret_id} must be a JSON object of strings")
    return {k: v for k, v in values.items() if k in KEY_NAMES and v}


def with_secret_keys(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` plus the keys of ``PROVIDER_KEYS_SECRET`` that ``env`` does not set itself.

    Read once per process (a Lambda execution environment), like any other cold-start setup.
    """
    merged = dict(env)
    secret_id = merged.get("PROVIDER_KEYS_SECRET")
    if secret_id:
        for name, value in _secret(secret_id).items():
            merged.setdefault(name, value)
    return merged
