"""DynamoDB tables of the resource list (on-demand, encrypted, point-in-time recovery, retained), its
secrets (created holding a placeholder; an operator puts the real value, see docs/deploy.md) and its
KMS keys (rotated, retained, behind the alias ``alias/soundmosaic-<stage>-<key>``; who may use a
key is granted per function in ``infra.constructs.functions``)."""

from __future__ import annotations

from aws_cdk import Environment, RemovalPolicy, SecretValue
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra.settings import Settings
from infra.stacks.base import FoundationStack

DESCRIPTION = ("SoundMosaic data: DynamoDB tables " + ", ".join(t.key for t in resources.TABLES)
               + "; secrets " + ", ".join(s.key for s in resources.SECRETS)
               + "; Aurora Serverless v2 PostgreSQL " + ", ".join(d.key for d in resources.DATABASES))
# Aurora Serverless v2 capacity (ACUs): half an ACU when idle, a few under a burst of albums.
SQL_MIN_ACU, SQL_MAX_ACU = 0.5, 4


class DataStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        self.tables: dict[str, dynamodb.Table] = {}
        for entry in resources.TABLES:
            string = dynamodb.AttributeType.STRING
            self.tables[entry.key] = dynamodb.Table(
                self, entry.key,
                table_name=physical_name(settings.stage, entry.key),
                partition_key=dynamodb.Attribute(name=entry.partition_key, type=string),
                sort_key=dynamodb.Attribute(name=entry.sort_key, type=string)
                if entry.sort_key else None,
                time_to_live_attribute=entry.ttl_attribute,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True),
                deletion_protection=settings.is_production,
                removal_policy=RemovalPolicy.RETAIN,
            )
        for secret in resources.SECRETS:
            # The placeholder is not secret ("{}"); the value is put by hand and kept on redeploys.
            secretsmanager.Secret(
                self, secret.key,
                secret_name=physical_name(settings.stage, secret.key),
                description=secret.purpose[:2048],
                secret_string_value=SecretValue.unsafe_plain_text(secret.initial),
                removal_policy=RemovalPolicy.RETAIN,
            )
        self.databases: dict[str, rds.DatabaseCluster] = {}
        if resources.DATABASES:
            # Functions reach the clusters through the RDS Data API (HTTPS), not the network: the
            # cluster lives in isolated subnets with no route out and no NAT to pay for.
            vpc = ec2.Vpc(self, "SqlVpc", max_azs=2, nat_gateways=0, subnet_configuration=[
                ec2.SubnetConfiguration(name="sql", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
        for database in resources.DATABASES:
            self.databases[database.key] = rds.DatabaseCluster(
                self, f"{database.key}-sql",
                cluster_identifier=physical_name(settings.stage, database.key),
                engine=rds.DatabaseClusterEngine.aurora_postgres(version=rds.AuroraPostgresEngineVersion.VER_16_9),
                writer=rds.ClusterInstance.serverless_v2("writer"),
                serverless_v2_min_capacity=SQL_MIN_ACU, serverless_v2_max_capacity=SQL_MAX_ACU,
                default_database_name=database.database_name,
                credentials=rds.Credentials.from_generated_secret("soundmosaic"),
                enable_data_api=True, storage_encrypted=True, vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                deletion_protection=settings.is_production,
                removal_policy=RemovalPolicy.RETAIN if settings.is_production else RemovalPolicy.SNAPSHOT,
            )
        self.keys: dict[str, kms.Key] = {}
        for listed in resources.KEYS:
            self.keys[listed.key] = kms.Key(
                self, f"{listed.key}-key", description=listed.purpose, enable_key_rotation=True,
                alias=resources.key_alias(settings.stage, listed.key),
                removal_policy=RemovalPolicy.RETAIN)
