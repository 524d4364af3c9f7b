"""Schedules: one EventBridge rule per listed schedule, invoking its target function."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Environment
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra.constructs.functions import ListedFunctions, Shared
from infra.settings import Settings
from infra.stacks.base import FoundationStack

DESCRIPTION = "SoundMosaic schedules: EventBridge rules and the functions they run"
RETRY_ATTEMPTS = 2


class SchedulesStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 shared: Shared, function_keys: list[str],
                 elsewhere: Mapping[str, lambda_.IFunction] | None = None,
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        self.functions = ListedFunctions(self, "Functions", keys=function_keys, shared=shared)
        available: dict[str, lambda_.IFunction] = {**(elsewhere or {}),
                                                   **self.functions.functions}
        self.rules: dict[str, events.Rule] = {}
        for entry in resources.SCHEDULES:
            self.rules[entry.key] = events.Rule(
                self, entry.key,
                rule_name=physical_name(settings.stage, entry.key),
                description=entry.purpose[:512],
                schedule=events.Schedule.expression(entry.expression),
                targets=[targets.LambdaFunction(available[entry.target],
                                                retry_attempts=RETRY_ATTEMPTS)],
            )
