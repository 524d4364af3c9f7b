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
from collections.abc import Callable
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer

# A step that records no metric is normal (a rejected request, a no-op refresh).
warnings.filterwarnings("ignore", message="No application metrics to publish")


Handler = Callable[[dict[str, Any], Any], Any]


class Observed(NamedTuple):
    """A function's Logger, Tracer and Metrics, and the one decorator stack every handler wears."""

    logger: Logger
    tracer: Tracer
    metrics: Metrics

    def handler(self, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
        """Log with the Lambda context (and a correlation id read from the event at this path),
        trace the invocation, flush the metrics at its end."""
        def wrap(fn: Handler) -> Handler:
            traced = self.tracer.capture_lambda_handler(self.metrics.log_metrics(fn))
            return self.logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path)
        return wrap


def for_function(name: str) -> Observed:
    service = f"soundmosaic-{name}"
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SoundMosaic")
    # Patch only the AWS SDK: by default the Tracer imports and patches every library X-Ray
    # knows that happens to be installed (httpx pulls in rich, click...), slowing cold starts.
    tracer = Tracer(service=service, patch_modules=["boto3", "botocore"])
    return Observed(Logger(service=service), tracer, Metrics(namespace=namespace, service=service))
