"""Powertools Logger, Tracer and Metrics for a handler, named after its function.

Environment variables
---------------------
POWERTOOLS_METRICS_NAMESPACE
    CloudWatch namespace (default ``SoundMosaic``).
POWERTOOLS_TRACE_DISABLED, POWERTOOLS_METRICS_DISABLED
    The local runtime sets both: there is no X-Ray daemon or CloudWatch on a laptop.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# A step that records no metric is normal (a rejected request, a no-op refresh).
warnings.filterwarnings("ignore", message="No application metrics to publish")


def for_function(name: str) -> tuple[Logger, Tracer, Metrics]:
    service = f"soundmosaic-{name}"
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SoundMosaic")
    # Patch only the AWS SDK: by default the Tracer imports and patches every library X-Ray
    # knows that happens to be installed (httpx pulls in rich, click...), slowing cold starts.
    tracer = Tracer(service=service, patch_modules=["boto3", "botocore"])
    return Logger(service=service), tracer, Metrics(namespace=namespace, service=service)
