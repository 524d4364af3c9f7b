"""Provider keys from Secrets Manager (moto in-process): merged under the environment's own."""

from __future__ import annotations

import json

import pytest
from soundmosaic.platform import aws
from soundmosaic.providers import ModelMosaic
from soundmosaic.providers import keys as provider_keys


@pytest.fixture
def secret(aws_env):
    provider_keys._secret.cache_clear()
    arn = aws.client("secretsmanager").create_secret(
        Name="provider-keys", SecretString=json.dumps({"REPLICATE_API_TOKEN": "r8_from_secret",
                                                       "AWS_ENDPOINT_URL": "http://evil.example"}))["ARN"]
    yield arn
    provider_keys._secret.cache_clear()


def test_secret_keys_select_the_keyed_provider(secret):
    mosaic = ModelMosaic.from_env({"PROVIDER_KEYS_SECRET": secret})
    assert mosaic.env["REPLICATE_API_TOKEN"] == "r8_from_secret"
    assert mosaic.entry("image").provider == "replicate"
    assert "AWS_ENDPOINT_URL" not in mosaic.env  # only the names ModelMosaic reads are taken


def test_the_environment_wins_over_the_secret(secret):
    env = provider_keys.with_secret_keys({"PROVIDER_KEYS_SECRET": secret, "REPLICATE_API_TOKEN": "r8_env"})
    assert env["REPLICATE_API_TOKEN"] == "r8_env"


def test_no_secret_named_fetches_nothing():
    assert provider_keys.with_secret_keys({"A": "b"}) == {"A": "b"}


def test_an_unreadable_or_malformed_secret_is_a_clear_error(aws_env):
    provider_keys._secret.cache_clear()
    with pytest.raises(provider_keys.SecretUnreadable, match="could not read"):
        provider_keys.with_secret_keys({"PROVIDER_KEYS_SECRET": "missing"})
    aws.client("secretsmanager").create_secret(Name="bad", SecretString="[1, 2]")
    with pytest.raises(provider_keys.SecretUnreadable, match="JSON object"):
        provider_keys.with_secret_keys({"PROVIDER_KEYS_SECRET": "bad"})
    provider_keys._secret.cache_clear()
