"""Compute: the container path of the audio lab (``ContainerTasks``, always: an ECS Fargate task
for stages beyond a Lambda's limits, built into the workflows stack), and its GPU path, a
SageMaker asynchronous inference endpoint that scales to zero, serving the very image the
``audio`` Lambda runs (``containers/audio``), built with CUDA torch.

Only synthesised with context ``gpu=true`` (``infra.app``). The pieces, as SageMaker documents
the pattern for asynchronous endpoints:

- ``AWS::SageMaker::Model``: the image (``serve`` entry point: ``/ping`` and ``/invocations``
  on port 8080), the resource list environment (bucket and table names) and the GPU settings, run
  under an execution role that may pull the image, log, and touch only what the audio stages
  touch (the media bucket's ``artists/`` prefix, the tracks and jobs tables) plus the async
  input (read) and output/failure (write) prefixes.
- ``AWS::SageMaker::EndpointConfig`` with ``AsyncInferenceConfig``: replies land in
  ``s3://<media>/sagemaker/async-out/``, errors in ``.../async-failures/``; one request per
  instance at a time (a job takes the whole GPU). The host AMI is pinned to one whose NVIDIA
  driver runs the image's CUDA (the default AMI of ml.g5 has driver 470, too old).
- ``AWS::SageMaker::Endpoint``, named ``soundmosaic-<stage>-audio-gpu`` so the audio function
  finds it by name, without a reference back to this stack.
- Application Auto Scaling on the variant's instance count, 0 to ``gpu_max_instances``:
  target tracking on ``ApproximateBacklogSizePerInstance`` (scales out with the queue and back
  in to zero when it is empty), and a step policy on the ``HasBacklogWithoutCapacity`` alarm,
  because target tracking cannot start from zero instances (no instance, no per-instance
  backlog).
"""

from __future__ import annotations

from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra import names
from infra.constructs.functions import Shared, environment, image_asset_options
from infra.constructs.logs import log_group as make_log_group
from infra.settings import Settings
from infra.stacks.base import FoundationStack

DESCRIPTION = "SoundMosaic compute: SageMaker asynchronous GPU endpoint (scales to zero) for the audio worker"
CONTAINER = "audio"  # containers/audio: the Lambda image, also a SageMaker container
WORKER_FUNCTION = "audio"  # the listed function whose code the endpoint serves
VARIANT = "AllTraffic"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRICS_NAMESPACE = "AWS/SageMaker"

# The GPU build of the image: torch from PyPI (its Linux x86_64 wheels are CUDA 13 builds) and
# the CUDA 12 cuBLAS that CTranslate2 (faster-whisper) loads. See containers/audio/README.md.
GPU_BUILD_ARGS = {
    "TORCH_INDEX": "https://pypi.org/simple",
    "CUDA12_LIBS": "nvidia-cublas-cu12==12.*",
}
# NVIDIA driver 580 (CUDA 13.0) on Amazon Linux 2023; runs CUDA 12 libraries as well.
INFERENCE_AMI_VERSION = "al2023-ami-sagemaker-inference-gpu-4-1"
# The image is large (CUDA torch, baked weights): give it time to be pulled and start.
STARTUP_HEALTH_CHECK_TIMEOUT_S = 1200
# One job at a time per instance: Demucs and Whisper each want the whole GPU.
MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE = 1
# Target tracking: about this many queued requests per instance before another starts.
BACKLOG_PER_INSTANCE_TARGET = 2.0
SCALE_OUT_COOLDOWN = Duration.minutes(5)
SCALE_IN_COOLDOWN = Duration.minutes(10)
# Environment for the worker on the GPU (the Lambda image defaults to the CPU).
GPU_ENVIRONMENT = {
    "SOUNDMOSAIC_WHISPER_DEVICE": "cuda",
    "SOUNDMOSAIC_WHISPER_COMPUTE_TYPE": "float16",
    # No X-Ray daemon beside a SageMaker container.
    "POWERTOOLS_TRACE_DISABLED": "true",
}


class ComputeStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 shared: Shared, env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        dockerfile = resources.REPO_ROOT / "containers" / CONTAINER / "Dockerfile"
        if not dockerfile.is_file():
            raise FileNotFoundError(f"context gpu=true needs {dockerfile}")
        stage = settings.stage
        self.endpoint_name = names.gpu_endpoint_name(stage)
        media = shared.buckets["media"]

        self.image = ecr_assets.DockerImageAsset(
            self, "GpuImage", directory=str(resources.REPO_ROOT),
            build_args=GPU_BUILD_ARGS, **image_asset_options(CONTAINER),
        )
        # Where SageMaker writes the container's output for this endpoint.
        log_group = make_log_group(self, "EndpointLogs", settings,
                                   f"/aws/sagemaker/Endpoints/{self.endpoint_name}")
        self.role = self._execution_role(shared, log_group)

        worker_env = {
            **environment(self, shared),
            "POWERTOOLS_SERVICE_NAME": f"soundmosaic-{WORKER_FUNCTION}",
            **GPU_ENVIRONMENT,
        }
        self.model = sagemaker.CfnModel(
            self, "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=self.image.image_uri, mode="SingleModel", environment=worker_env,
            ),
        )
        # The role's policy must exist before SageMaker checks the image and the role.
        self.model.node.add_dependency(self.role)

        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self, "EndpointConfig",
            production_variants=[sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=VARIANT,
                model_name=self.model.attr_model_name,
                instance_type=settings.gpu_instance_type,
                # At least one at creation; the scaling below takes it to zero when idle.
                initial_instance_count=1,
                inference_ami_version=INFERENCE_AMI_VERSION,
                container_startup_health_check_timeout_in_seconds=STARTUP_HEALTH_CHECK_TIMEOUT_S,
            )],
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=media.s3_url_for_object(names.GPU_OUTPUT_PREFIX),
                    s3_failure_path=media.s3_url_for_object(names.GPU_FAILURE_PREFIX),
                ),
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE,
                ),
            ),
        )
        self.endpoint = sagemaker.CfnEndpoint(
            self, "Endpoint",
            endpoint_name=self.endpoint_name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            # A new image (model) keeps the instance count auto scaling has set, rather than
            # going back to the config's initial count.
            retain_all_variant_properties=True,
        )
        self._scaling(settings)

    # -- permissions ----------------------------------------------------------------------------

    def _execution_role(self, shared: Shared, log_group: logs.LogGroup) -> iam.Role:
        """What the container (and SageMaker on its behalf) may do, and nothing more."""
        role = iam.Role(
            self, "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker execution role of {self.endpoint_name}",
        )
        self.image.repository.grant_pull(role)
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                     "logs:PutLogEvents"],
            # The group's ARN ends in ":*", which covers its log streams.
            resources=[log_group.log_group_arn],
        ))
        # Instance metrics (CPU, memory, GPU, disk) that SageMaker's agent publishes.
        role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
        ))
        media = shared.buckets["media"]
        media.grant_read(role, f"{names.GPU_INPUT_PREFIX}*")
        media.grant_put(role, f"{names.GPU_OUTPUT_PREFIX}*")
        media.grant_put(role, f"{names.GPU_FAILURE_PREFIX}*")
        # The stages read and write under the tracks' prefixes, as the audio function does.
        media.grant_read_write(role, "artists/*")
        for key in ("tracks", "jobs"):
            shared.tables[key].grant_read_write_data(role)
        # The endpoint answers the state machine's task token (soundmosaic.audio.remote); these
        # actions have no resource type in IAM: the token itself is the capability.
        role.add_to_policy(iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            resources=["*"]))
        return role

    # -- scaling --------------------------------------------------------------------------------

    def _scaling(self, settings: Settings) -> None:
        resource_id = f"endpoint/{self.endpoint.attr_endpoint_name}/variant/{VARIANT}"
        target = appscaling.CfnScalableTarget(
            self, "ScalableTarget",
            service_namespace="sagemaker",
            resource_id=resource_id,
            scalable_dimension=SCALABLE_DIMENSION,
            min_capacity=0,
            max_capacity=settings.gpu_max_instances,
            # No RoleARN: Application Auto Scaling uses (and creates) its SageMaker
            # service-linked role, AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint.
        )
        dimensions = [cloudwatch.CfnAlarm.DimensionProperty(name="EndpointName",
                                                            value=self.endpoint_name)]
        self.backlog_policy = appscaling.CfnScalingPolicy(
            self, "BacklogPerInstance",
            policy_name=f"{self.endpoint_name}-backlog-per-instance",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.ref,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.
            TargetTrackingScalingPolicyConfigurationProperty(
                target_value=BACKLOG_PER_INSTANCE_TARGET,
                customized_metric_specification=appscaling.CfnScalingPolicy.
                CustomizedMetricSpecificationProperty(
                    metric_name="ApproximateBacklogSizePerInstance",
                    namespace=METRICS_NAMESPACE,
                    statistic="Average",
                    dimensions=[appscaling.CfnScalingPolicy.MetricDimensionProperty(
                        name="EndpointName", value=self.endpoint_name)],
                ),
                scale_in_cooldown=int(SCALE_IN_COOLDOWN.to_seconds()),
                scale_out_cooldown=int(SCALE_OUT_COOLDOWN.to_seconds()),
            ),
        )
        self.scale_from_zero_policy = appscaling.CfnScalingPolicy(
            self, "ScaleOutFromZero",
            policy_name=f"{self.endpoint_name}-scale-out-from-zero",
            policy_type="StepScaling",
            scaling_target_id=target.ref,
            step_scaling_policy_configuration=appscaling.CfnScalingPolicy.
            StepScalingPolicyConfigurationProperty(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type="Average",
                cooldown=int(SCALE_OUT_COOLDOWN.to_seconds()),
                step_adjustments=[appscaling.CfnScalingPolicy.StepAdjustmentProperty(
                    metric_interval_lower_bound=0, scaling_adjustment=1)],
            ),
        )
        self.backlog_alarm = cloudwatch.CfnAlarm(
            self, "HasBacklogWithoutCapacity",
            alarm_description=f"{self.endpoint_name} has queued requests and no instance: start one",
            namespace=METRICS_NAMESPACE,
            metric_name="HasBacklogWithoutCapacity",
            dimensions=dimensions,
            statistic="Average",
            period=60,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="missing",
            alarm_actions=[self.scale_from_zero_policy.attr_arn],
        )
        self.scalable_target = target


# -- the container path (always synthesised) ----------------------------------------------------


class ContainerTasks(Construct):
    """Every ``resources.CONTAINER_TASKS`` entry as an ECS Fargate task definition, and what a
    state machine needs to start one: cluster, subnet, security group (docs/compute.md).

    The network is a VPC of its own with two public subnets and no NAT gateway (a NAT costs by
    the hour; the task only talks to AWS APIs and gets a public address for that), and a
    security group with no inbound rule. The task role may do what the ``audio`` Lambda may do
    (``infra.needs``) and answer Step Functions; the execution role pulls the image and logs.
    """

    def __init__(self, scope: Construct, construct_id: str, *, shared: Shared) -> None:
        super().__init__(scope, construct_id)
        settings = shared.settings
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=20)])
        self.security_group = ec2.SecurityGroup(self, "TaskSecurityGroup", vpc=self.vpc,
                                                allow_all_outbound=True,
                                                description="container tasks: no inbound traffic")
        self.cluster = ecs.Cluster(self, "Cluster", vpc=self.vpc,
                                   cluster_name=physical_name(settings.stage, "tasks"))
        self.definitions: dict[str, ecs.FargateTaskDefinition] = {}
        self.tasks = {task.key: task for task in resources.CONTAINER_TASKS}
        for task in resources.CONTAINER_TASKS:
            self.definitions[task.key] = self._definition(task, shared)

    def _definition(self, task: resources.ContainerTask, shared: Shared) -> ecs.FargateTaskDefinition:
        settings = shared.settings
        name = physical_name(settings.stage, f"{task.key}-task")
        definition = ecs.FargateTaskDefinition(
            self, f"{task.key}-definition", family=name, cpu=task.cpu, memory_limit_mib=task.memory_mb,
            ephemeral_storage_gib=task.ephemeral_gib,
            runtime_platform=ecs.RuntimePlatform(cpu_architecture=ecs.CpuArchitecture.X86_64,
                                                 operating_system_family=ecs.OperatingSystemFamily.LINUX))
        log_group = make_log_group(self, f"{task.key}-logs", settings, f"/soundmosaic/{name}")
        definition.add_container(
            task.container,
            # The same build as the audio Lambda's image (same Dockerfile, context and options:
            # one asset), started with the ``task`` command of its entry point.
            image=ecs.ContainerImage.from_asset(str(resources.REPO_ROOT),
                                                **image_asset_options(task.container)),
            command=["task"], essential=True,
            environment={**environment(Stack.of(self), shared),
                         "POWERTOOLS_SERVICE_NAME": f"soundmosaic-{task.key}",
                         "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon beside the task
                         "SOUNDMOSAIC_TASK_HEARTBEAT_S": str(task.heartbeat_s // 5),
                         "SOUNDMOSAIC_TASK_MEMORY_MB": str(task.memory_mb)},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=task.key, log_group=log_group),
        )
        # What the stage handler touches, as the audio function (infra.needs "audio").
        role = definition.task_role
        media = shared.buckets["media"]
        media.grant_read_write(role, "artists/*")
        for key in ("tracks", "jobs"):
            shared.tables[key].grant_read_write_data(role)
        # The task answers with its token. These actions have no resource type in IAM: a token
        # is the capability, and only a state machine that started the task hands one out.
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            resources=["*"]))
        return definition

    def substitutions(self, prefix: str, key: str) -> dict[str, str]:
        """ASL placeholder values of ``ContainerTask.placeholders(prefix)`` for task ``key``."""
        values = (self.cluster.cluster_arn, self.definitions[key].task_definition_arn,
                  self.vpc.public_subnets[0].subnet_id, self.security_group.security_group_id)
        return dict(zip(resources.ContainerTask.placeholders(prefix), values, strict=True))

    def grant_run(self, machine: sfn.StateMachine, key: str) -> None:
        """Least privilege for a state machine: run this one task definition in this cluster and
        pass its two roles to ECS; nothing else of ECS."""
        definition = self.definitions[key]
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["ecs:RunTask"], resources=[definition.task_definition_arn],
            conditions={"ArnEquals": {"ecs:cluster": self.cluster.cluster_arn}}))
        roles = [definition.task_role.role_arn]
        if definition.execution_role is not None:
            roles.append(definition.execution_role.role_arn)
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["iam:PassRole"], resources=roles,
            conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}))
