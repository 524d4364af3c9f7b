"""The compute stack: a SageMaker asynchronous GPU endpoint for the audio worker that scales to
zero, present only with context gpu=true."""

from __future__ import annotations

import json

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra import names, needs
from infra.stacks import compute
from infra.stacks.storage import EXPIRE_PREFIX_AFTER
from tests.infra.conftest import STAGE
from tests.infra.helpers import actions, by_property, of_type, props, role_statements, text

pytestmark = pytest.mark.infra

ENDPOINT = physical_name(STAGE, "audio-gpu")


def _one(template: dict, kind: str) -> tuple[str, dict]:
    found = of_type(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return next(iter(found.items()))


def _audio_function(synth) -> tuple[dict, str, dict]:
    template = synth.json("Workflows")
    logical_id, resource = by_property(template, "AWS::Lambda::Function", "FunctionName",
                                       physical_name(STAGE, "audio"))
    return template, logical_id, props(resource)


# -- without gpu: nothing --------------------------------------------------------------------

def test_no_compute_stack_without_gpu(synth, prod_synth):
    for app in (synth, prod_synth):
        assert "Compute" not in app.stacks
        for short in app.templates:
            kinds = {r["Type"] for r in app.json(short)["Resources"].values()}
            assert not {k for k in kinds if k.startswith(("AWS::SageMaker::",
                                                          "AWS::ApplicationAutoScaling::"))}, short


def test_audio_function_knows_no_endpoint_without_gpu(synth):
    template, logical_id, p = _audio_function(synth)
    assert names.GPU_ENDPOINT_ENV not in p["Environment"]["Variables"]
    assert not any(a.startswith("sagemaker:")
                   for a in actions(role_statements(template, logical_id)))


# -- with gpu --------------------------------------------------------------------------------

def test_compute_stack_depends_only_on_the_foundation_and_comes_before_the_audio_function(gpu_synth):
    assert gpu_synth.stacks["Compute"].stack_name == f"SoundMosaic-{STAGE}-Compute"
    deps = {short: {d.stack_name.rsplit("-", 1)[1] for d in stack.dependencies}
            for short, stack in gpu_synth.stacks.items()}
    assert deps["Compute"] <= {"Storage", "Data"}
    assert "Compute" in deps["Workflows"]  # the audio function lives there
    for short in ("Storage", "Data", "Auth"):
        assert deps[short] == set(), short


def test_endpoint_is_asynchronous_and_writes_replies_to_the_media_bucket(gpu_synth):
    template = gpu_synth.json("Compute")
    _, endpoint = _one(template, "AWS::SageMaker::Endpoint")
    config_id, config = _one(template, "AWS::SageMaker::EndpointConfig")
    assert props(endpoint)["EndpointName"] == ENDPOINT
    assert props(endpoint)["EndpointConfigName"] == {"Fn::GetAtt": [config_id, "EndpointConfigName"]}
    # Redeploys keep the instance count that auto scaling set.
    assert props(endpoint)["RetainAllVariantProperties"] is True
    p = props(config)
    output = p["AsyncInferenceConfig"]["OutputConfig"]
    for key, prefix in (("S3OutputPath", "/sagemaker/async-out/"),
                        ("S3FailurePath", "/sagemaker/async-failures/")):
        value = text(output[key])
        assert '"s3://"' in value and prefix in value, key
        assert "SoundMosaic-test-Storage" in value and "media" in value, key
    assert p["AsyncInferenceConfig"]["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 1}
    (variant,) = p["ProductionVariants"]
    assert variant["VariantName"] == compute.VARIANT
    assert variant["InstanceType"] == "ml.g5.xlarge"
    assert variant["InitialInstanceCount"] == 1  # SageMaker's minimum at creation
    # The default AMI of ml.g5 has NVIDIA driver 470: too old for the CUDA 13 torch build.
    assert variant["InferenceAmiVersion"] == "al2023-ami-sagemaker-inference-gpu-4-1"
    model_id = variant["ModelName"]["Fn::GetAtt"][0]
    assert template["Resources"][model_id]["Type"] == "AWS::SageMaker::Model"


def test_async_prefixes_expire_and_are_what_the_function_is_told(gpu_synth):
    (prefix,) = EXPIRE_PREFIX_AFTER["media"]
    for value in (names.GPU_INPUT_PREFIX, names.GPU_OUTPUT_PREFIX, names.GPU_FAILURE_PREFIX):
        assert value.startswith(prefix) and value.endswith("/")
    _, _, p = _audio_function(gpu_synth)
    assert p["Environment"]["Variables"][names.GPU_INPUT_PREFIX_ENV] == names.GPU_INPUT_PREFIX


def test_model_serves_the_gpu_build_of_the_audio_image(gpu_synth):
    template = gpu_synth.json("Compute")
    _, model = _one(template, "AWS::SageMaker::Model")
    container = props(model)["PrimaryContainer"]
    assert container["Mode"] == "SingleModel"
    manifest = json.loads((gpu_synth.outdir / "manifest.json").read_text())
    (assets_file,) = [a["properties"]["file"] for name, a in manifest["artifacts"].items()
                      if a["type"] == "cdk:asset-manifest" and "Compute" in name]
    (image_hash, image), = json.loads((gpu_synth.outdir / assets_file).read_text())[
        "dockerImages"].items()
    assert image["source"]["dockerFile"] == "containers/audio/Dockerfile"
    assert image["source"]["platform"] == "linux/amd64"
    assert image["source"]["dockerBuildArgs"] == compute.GPU_BUILD_ARGS
    assert compute.GPU_BUILD_ARGS["TORCH_INDEX"] == "https://pypi.org/simple"
    assert image_hash in text(container["Image"])
    # The worker gets the resource list's names (the stages read S3 and DynamoDB) and the GPU.
    env = container["Environment"]
    for variable in ("MEDIA_BUCKET", "TRACKS_TABLE", "JOBS_TABLE", "SOUNDMOSAIC_STAGE"):
        assert variable in env, variable
    assert env["SOUNDMOSAIC_WHISPER_DEVICE"] == "cuda"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert env["POWERTOOLS_SERVICE_NAME"] == "soundmosaic-audio"


def test_endpoint_scales_from_zero_on_backlog(gpu_synth):
    template = gpu_synth.json("Compute")
    target_id, target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    p = props(target)
    assert (p["MinCapacity"], p["MaxCapacity"]) == (0, 2)
    assert p["ServiceNamespace"] == "sagemaker"
    assert p["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    endpoint_id, _ = _one(template, "AWS::SageMaker::Endpoint")
    assert p["ResourceId"] == {"Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": [endpoint_id, "EndpointName"]},
                                                 f"/variant/{compute.VARIANT}"]]}
    assert "RoleARN" not in p  # the SageMaker service-linked role of Application Auto Scaling

    policies = {props(r)["PolicyType"]: (k, props(r)) for k, r in
                of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy").items()}
    assert set(policies) == {"TargetTrackingScaling", "StepScaling"}
    _, tracking = policies["TargetTrackingScaling"]
    assert tracking["ScalingTargetId"] == {"Ref": target_id}
    metric = tracking["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"]) == ("AWS/SageMaker",
                                                           "ApproximateBacklogSizePerInstance")
    assert metric["Dimensions"] == [{"Name": "EndpointName", "Value": ENDPOINT}]

    step_id, step = policies["StepScaling"]
    assert step["ScalingTargetId"] == {"Ref": target_id}
    config = step["StepScalingPolicyConfiguration"]
    assert config["AdjustmentType"] == "ChangeInCapacity"
    assert config["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    _, alarm = _one(template, "AWS::CloudWatch::Alarm")
    a = props(alarm)
    assert (a["Namespace"], a["MetricName"]) == ("AWS/SageMaker", "HasBacklogWithoutCapacity")
    assert a["Dimensions"] == [{"Name": "EndpointName", "Value": ENDPOINT}]
    assert (a["Threshold"], a["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert a["AlarmActions"] == [{"Fn::GetAtt": [step_id, "Arn"]}]


def test_execution_role_is_least_privilege(gpu_synth):
    template = gpu_synth.json("Compute")
    _, model = _one(template, "AWS::SageMaker::Model")
    role_id = props(model)["ExecutionRoleArn"]["Fn::GetAtt"][0]
    role = props(template["Resources"][role_id])
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"}}]
    assert "ManagedPolicyArns" not in role
    statements = [s for pol in of_type(template, "AWS::IAM::Policy").values()
                  if {"Ref": role_id} in props(pol)["Roles"]
                  for s in props(pol)["PolicyDocument"]["Statement"]]
    granted = actions(statements)
    assert "*" not in granted and not any(a.endswith(":*") for a in granted)
    # "*" resources only where the action has no resource: the ECR token, metric data (with
    # its namespace pinned), answering a task token (the token is the capability).
    for statement in statements:
        if statement["Resource"] == "*":
            assert actions([statement]) <= {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData",
                                            "states:SendTaskSuccess", "states:SendTaskFailure",
                                            "states:SendTaskHeartbeat"}
            if "cloudwatch:PutMetricData" in actions([statement]):
                assert statement["Condition"] == {
                    "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}}
    # S3: read the async inputs; write replies and failures; the tracks' prefixes; no more.
    s3 = [s for s in statements if any(a.startswith("s3:") for a in actions([s]))]
    writes = [s for s in s3 if "s3:PutObject" in actions([s])]
    written = text([s["Resource"] for s in writes])
    assert "/sagemaker/async-in/" not in written
    for prefix in ("/sagemaker/async-out/*", "/sagemaker/async-failures/*", "/artists/*"):
        assert prefix in written, prefix
    object_resources = [r for s in s3 for r in s["Resource"] if "Fn::Join" in r]
    assert all(any(p in text(r) for p in ("/sagemaker/async-", "/artists/*"))
               for r in object_resources)
    # DynamoDB: the tracks and jobs tables only.
    dynamo = text([s["Resource"] for s in statements
                   if any(a.startswith("dynamodb:") for a in actions([s]))])
    assert "tracks" in dynamo and "jobs" in dynamo and "idempotency" not in dynamo
    # Logs: its own endpoint's group.
    logs = [s for s in statements if "logs:PutLogEvents" in actions([s])]
    group_id = logs[0]["Resource"]["Fn::GetAtt"][0]
    assert props(template["Resources"][group_id])["LogGroupName"] == f"/aws/sagemaker/Endpoints/{ENDPOINT}"


def test_audio_function_may_invoke_only_its_endpoint(gpu_synth):
    template, logical_id, p = _audio_function(gpu_synth)
    assert p["Environment"]["Variables"][names.GPU_ENDPOINT_ENV] == ENDPOINT
    statements = role_statements(template, logical_id)
    invoke = [s for s in statements if any(a.startswith("sagemaker:") for a in actions([s]))]
    assert len(invoke) == 1 and actions(invoke) == {"sagemaker:InvokeEndpointAsync"}
    assert f":endpoint/{ENDPOINT}" in text(invoke[0]["Resource"])
    # Every other function is as without gpu.
    for fn in resources.FUNCTIONS:
        if needs.needs(fn.key).gpu_endpoint:
            continue
        for short in gpu_synth.templates:
            for resource in of_type(gpu_synth.json(short), "AWS::Lambda::Function").values():
                if props(resource).get("FunctionName") == physical_name(STAGE, fn.key):
                    assert names.GPU_ENDPOINT_ENV not in props(resource)["Environment"]["Variables"]


def test_gpu_context_is_validated():
    import aws_cdk as cdk

    from infra.settings import Settings

    def settings(**context: object) -> Settings:
        return Settings.from_context(cdk.App(context=context))

    assert settings().gpu is False
    assert settings(gpu="true").gpu is True and settings(gpu=True).gpu is True
    assert settings(gpu="false").gpu is False
    chosen = settings(gpu="true", gpu_instance_type="ml.g6.2xlarge", gpu_max_instances="4")
    assert (chosen.gpu_instance_type, chosen.gpu_max_instances) == ("ml.g6.2xlarge", 4)
    for bad in ({"gpu": "maybe"}, {"gpu_instance_type": "g5.xlarge"},
                {"gpu_max_instances": "0"}, {"gpu_max_instances": "many"}):
        with pytest.raises(ValueError):
            settings(**bad)
