"""The weekly scheduled refresh (EventBridge rule ``weekly-refresh``).

Fails stale jobs, aborts abandoned multipart uploads and rebuilds library summaries, and
refreshes what the studio and generation cache from outside: the naming trends
(``studio.trends``, from the configured source) and the catalog's metadata from the named catalogs
(``generation.external.refresh_metadata``). The report says what changed; it is the function's
result (``soundmosaic schedule run weekly-refresh`` prints it) and is stored in the media bucket
(``platform/refresh/latest.json`` and ``platform/refresh/<time>.json``). Later contexts (the
writers' room cache) add their weekly work here.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.generation import external
from soundmosaic.library import maintenance
from soundmosaic.platform import clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.observability import for_function
from soundmosaic.platform.s3json import S3Json
from soundmosaic.studio import trends

observed = for_function("refresh")
logger, metrics = observed.logger, observed.metrics


@observed.handler()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stale = maintenance.fail_stale_jobs()
    report = {
        "stale_jobs_failed": stale,
        "uploads_aborted": maintenance.abort_stale_uploads(),
        "summaries_written": maintenance.rebuild_summaries(),
        "naming_trends": trends.refresh(),
        "catalog_metadata": external.refresh_metadata(),
        "finished_at": clock.iso(),
    }
    media = S3Json(resource("MEDIA_BUCKET"))
    media.put_json(f"platform/refresh/{report['finished_at']}.json", report)
    media.put_json("platform/refresh/latest.json", report)
    metrics.add_metric(name="StaleJobsFailed", unit="Count", value=len(stale))
    logger.info("weekly refresh done", extra=report)
    return report
