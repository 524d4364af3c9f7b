"""Log groups with one policy: three months and kept on delete in production, a month otherwise."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.settings import Settings


def log_group(scope: Construct, construct_id: str, settings: Settings,
              name: str | None = None) -> logs.LogGroup:
    production = settings.is_production
    return logs.LogGroup(
        scope, construct_id,
        log_group_name=name,
        retention=logs.RetentionDays.THREE_MONTHS if production else logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY,
    )
