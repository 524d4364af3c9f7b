"""Song generation workflow steps, one per invocation, called by the ``song_identify`` and
``song_generation`` state machines.

Event: ``{"action", "artist_id", "job_id", "correlation_id", "project_id", "song_id"?,
"take_id"?, "error"?}``. Actions: ``identify`` / ``identify_failed`` (one reference song against
the catalog), ``check`` (refuse unless all ten songs are matched), ``prepare`` (one song's notes,
tempo and key), ``generate``, ``render``, ``measure`` (requested against measured influence),
``store`` (a take and its provenance), ``take_failed``.
The rules live in ``soundmosaic.generation.references`` and ``.takes``. In AWS this function is the
``containers/audio`` image (ffmpeg, fpcalc, Basic Pitch, FluidSynth, music21); the same code
runs in-process locally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.generation import references, takes
from soundmosaic.platform.observability import for_function

observed = for_function("generation")
logger, metrics = observed.logger, observed.metrics

ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "identify": references.identify_step,
    "identify_failed": references.identify_failed_step,
    "check": takes.check_step,
    "prepare": takes.prepare_step,
    "generate": takes.generate_step,
    "render": takes.render_step,
    "measure": takes.measure_step,
    "store": takes.store_step,
    "take_failed": takes.take_failed_step,
}


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event["action"]
    logger.info("step", extra={"action": action, "job_id": event.get("job_id"),
                               "project_id": event.get("project_id"), "song_id": event.get("song_id")})
    try:
        step = ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown generation action {action!r}") from None
    result = step(event)
    metrics.add_metric(name=f"Generation_{action}", unit="Count", value=1)
    return result
