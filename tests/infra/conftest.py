"""The CDK app, synthesised once per test session (synth is the slow part)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
pytest.importorskip("aws_cdk", reason="infra tests need the [infra] extra (aws-cdk-lib)")

STAGE = "test"
SPA_ORIGIN = "https://app.soundmosaic.example"


@dataclass
class Synth:
    app: object
    outdir: Path
    templates: dict[str, Any]  # short stack name (Storage, Api, ...) -> Template
    stacks: dict[str, Any]     # short stack name -> Stack

    def template(self, short: str):  # -> aws_cdk.assertions.Template
        return self.templates[short]

    def json(self, short: str) -> dict:
        return self.templates[short].to_json()


def _synth(outdir: Path, **context: object) -> Synth:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.app import build_app, cdk_json_context

    # The CLI turns asset metadata on; the tests read it to find staged assets.
    cli = {"aws:cdk:enable-asset-metadata": True}
    app = build_app({**cdk_json_context(), **cli, **context}, outdir=outdir)
    app.synth()
    stacks = {c.stack_name.rsplit("-", 1)[1]: c for c in app.node.children
              if isinstance(c, cdk.Stack)}
    templates = {short: Template.from_stack(stack) for short, stack in stacks.items()}
    return Synth(app=app, outdir=outdir, templates=templates, stacks=stacks)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth(tmp_path_factory.mktemp("cdk.out"), stage=STAGE, spa_origin=SPA_ORIGIN)


@pytest.fixture(scope="session")
def prod_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth(tmp_path_factory.mktemp("cdk.out.prod"), stage="prod",
                  spa_origin="https://soundmosaic.example,https://preview.soundmosaic.example",
                  auth_domain_prefix="soundmosaic-prod-example")


@pytest.fixture(scope="session")
def gpu_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app with the compute stack (context gpu=true, as ``-c gpu=true`` passes it)."""
    return _synth(tmp_path_factory.mktemp("cdk.out.gpu"), stage=STAGE, spa_origin=SPA_ORIGIN,
                  gpu="true")
