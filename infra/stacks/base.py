"""The common base of the SoundMosaic stacks: settings, tags, environment."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from infra.settings import Settings


class FoundationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 description: str, env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, env=env, description=description)
        self.settings = settings
        Tags.of(self).add("project", "soundmosaic")
        Tags.of(self).add("stage", settings.stage)
