"""The booth's delivery step: mail the participant the link to their page.

Event: ``{"event_id", "participant_id", "job_id", "correlation_id"}``. The only workflow function
with ``kms:Decrypt`` on the PII key (``platform.resources.KEYS``): it opens the record for the
e-mail address and the code, sends (``soundmosaic.booth.delivery``) and logs ids only. A mail that
cannot be sent fails the step (retried); the participant's media are ready either way.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.booth import service
from soundmosaic.platform.observability import for_function

observed = for_function("booth-notify")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = service.notify(event["event_id"], event["participant_id"])
    logger.info("mailed", extra={"participant_id": event["participant_id"], "engine": result["engine"]})
    metrics.add_metric(name="BoothMailsSent", unit="Count", value=1)
    return result
