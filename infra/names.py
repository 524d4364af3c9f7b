"""Deterministic names and ARNs of listed resources, for references that would otherwise
make stacks depend on each other in a circle.

A function needs the ARN of the state machine that invokes it (to hand to others), and the state
machine's definition needs the function's ARN. Every function, queue and state machine is
therefore given its resource list physical name, and the ARNs and URLs below are built from that
name and the stack's own account, region and partition, so no cross-stack reference is needed.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from soundmosaic.platform.resources import physical_name


def state_machine_arn(stack: Stack, stage: str, key: str) -> str:
    return stack.format_arn(service="states", resource="stateMachine",
                            resource_name=physical_name(stage, key),
                            arn_format=ArnFormat.COLON_RESOURCE_NAME)


def function_arn(stack: Stack, stage: str, key: str) -> str:
    return stack.format_arn(service="lambda", resource="function",
                            resource_name=physical_name(stage, key),
                            arn_format=ArnFormat.COLON_RESOURCE_NAME)


def queue_url(stack: Stack, stage: str, key: str) -> str:
    return f"https://sqs.{stack.region}.{stack.url_suffix}/{stack.account}/{physical_name(stage, key)}"


def queue_arn(stack: Stack, stage: str, key: str) -> str:
    return stack.format_arn(service="sqs", resource=physical_name(stage, key),
                            arn_format=ArnFormat.NO_RESOURCE_NAME)


def dead_letter_queue_name(stage: str, key: str) -> str:
    """The local runtime names dead-letter queues the same way."""
    return f"{physical_name(stage, key)}-dlq"


# The GPU worker's SageMaker asynchronous endpoint (compute stack, only with context gpu=true).
GPU_ENDPOINT_KEY = "audio-gpu"


def gpu_endpoint_name(stage: str) -> str:
    return physical_name(stage, GPU_ENDPOINT_KEY)


def gpu_endpoint_arn(stack: Stack, stage: str) -> str:
    # SageMaker writes endpoint names in ARNs in lower case; physical names already are.
    return stack.format_arn(service="sagemaker", resource="endpoint",
                            resource_name=gpu_endpoint_name(stage).lower(),
                            arn_format=ArnFormat.SLASH_RESOURCE_NAME)

# How the audio function finds the endpoint, and where asynchronous requests and replies live
# in the media bucket (the endpoint's role may read only the first, write only the others).
GPU_ENDPOINT_ENV = "SOUNDMOSAIC_SAGEMAKER_ENDPOINT"
GPU_INPUT_PREFIX_ENV = "SOUNDMOSAIC_SAGEMAKER_INPUT_PREFIX"
GPU_INPUT_PREFIX = "sagemaker/async-in/"
GPU_OUTPUT_PREFIX = "sagemaker/async-out/"
GPU_FAILURE_PREFIX = "sagemaker/async-failures/"
