"""The weekly scheduled refresh (EventBridge rule ``weekly-refresh``).

Fails stale jobs, aborts abandoned multipart uploads and rebuilds library summaries; later
contexts (the writers' room cache) add their weekly work here.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.library import maintenance
from soundmosaic.platform.observability import for_function

observed = for_function("refresh")
logger, metrics = observed.logger, observed.metrics


@observed.handler()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stale = maintenance.fail_stale_jobs()
    report = {
        "stale_jobs_failed": stale,
        "uploads_aborted": maintenance.abort_stale_uploads(),
        "summaries_written": maintenance.rebuild_summaries(),
    }
    metrics.add_metric(name="StaleJobsFailed", unit="Count", value=len(stale))
    logger.info("weekly refresh done", extra=report)
    return report
