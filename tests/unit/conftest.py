"""Unit tests run against moto in-process (``mock_aws``), with the resource tables and the royalty tables."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto import mock_aws
from soundmosaic.platform import aws
from soundmosaic.royalties import tables
from soundmosaic.royalties.ledger import Ledger
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic_local.fixtures.sandbox_distributor import SandboxDistributor
from soundmosaic_local.runtime import provision


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit")
    for name, value in provision.environment("unit", "http://localhost").items():
        monkeypatch.setenv(name, value)
    aws.reset()
    with mock_aws():
        provision.create_storage("unit")
        yield
    aws.reset()


# Unit tests (no local stack) name the tables; the listed names win when set.
NAMES = {tables.LEDGER: "unit-royalty-ledger", tables.AUDIT: "unit-royalty-audit",
         tables.PROVENANCE: "unit-royalty-provenance"}


@pytest.fixture
def royalty_tables(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    names = {env: os.environ.get(env) or default for env, default in NAMES.items()}
    for env, name in names.items():
        monkeypatch.setenv(env, name)
    tables.create(*names.values())
    yield names


@pytest.fixture
def store(royalty_tables: dict[str, str]) -> ProvenanceStore:
    return ProvenanceStore()


@pytest.fixture
def ledger(royalty_tables: dict[str, str], store: ProvenanceStore) -> Ledger:
    return Ledger(provenance=store)


@pytest.fixture
def sandbox() -> Iterator[SandboxDistributor]:
    """The sandbox distributor on a free port (the publishing tests' distributor)."""
    with SandboxDistributor(token="unit-token") as server:
        yield server
