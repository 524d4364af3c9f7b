"""Royalty tables in moto: the ledger, audit and provenance tables, created beside the catalogue's."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from soundmosaic.royalties import tables
from soundmosaic.royalties.ledger import Ledger
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.publishing.sandbox import SandboxDistributor

# Unit tests (no local stack) name the tables; the catalogued names win when set.
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
