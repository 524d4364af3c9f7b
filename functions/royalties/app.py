"""Statement import steps, one per invocation, called by the ``statement_import`` state machine.

Event: ``{"action": "plan"|"import_part"|"part_failed"|"summarize", "artist_id", "job_id",
"correlation_id", "key"?, "source"?, "part"?: {index, first_line, last_line, start_byte,
end_byte}, "error"?}``. The rules live in ``soundmosaic.royalties.imports``; the royalty core
needs only the stdlib and boto3, so this is a zip function with the core and Powertools layers.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function
from soundmosaic.royalties import imports

observed = for_function("royalties")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action, artist_id, job_id = event["action"], event["artist_id"], event["job_id"]
    part = (event.get("part") or {}).get("index")
    logger.info("step", extra={"action": action, "job_id": job_id, "part": part})
    if action == "plan":
        planned = imports.plan(artist_id, job_id, event["key"], event["source"])
        metrics.add_metric(name="StatementLinesPlanned", unit="Count", value=planned["lines"])
        return planned
    if action == "import_part":
        result = imports.import_part(artist_id, job_id, event["part"])
        metrics.add_metric(name="StatementPartsImported", unit="Count", value=1)
        return result
    if action == "part_failed":
        metrics.add_metric(name="StatementPartsFailed", unit="Count", value=1)
        return imports.part_failed(artist_id, job_id, int(event["part"]["index"]), event.get("error") or {})
    if action == "summarize":
        result = imports.summarize(artist_id, job_id)
        metrics.add_metric(name="StatementLinesImported", unit="Count", value=result["summary"]["imported"])
        return result
    raise ValueError(f"unknown royalties action {action!r}")
