"""The only gate a pipeline passes before it runs, whoever wrote it (offline engine, LLM, user).

Admitted: read-only stages and operators on an allowlist; everything else is refused with a
message that names it. Never admitted: ``$out``, ``$merge`` (writes), ``$function``,
``$accumulator``, ``$where`` (server-side JavaScript), ``$unionWith``/``$graphLookup`` and
``$lookup`` into anything but the tenant's own collections (a ``from`` naming another database is
refused), admin and diagnostic stages (``$currentOp``, ``$collStats``...). ``$lookup`` nests at
most ``MAX_LOOKUP_DEPTH`` deep and ``MAX_LOOKUPS`` in all. The caller runs the admitted pipeline
with ``maxTimeMS`` and the ``ROW_CAP`` limit this module appends. The question text never reaches
here: what a prompt says cannot change these rules.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

MAX_STAGES = 40
MAX_BYTES = 20_000
MAX_LOOKUP_DEPTH = 2
MAX_LOOKUPS = 4
MAX_REGEX = 200
ROW_CAP = 100_000
MAX_TIME_MS = 10_000


def max_time_ms() -> int:
    """``SIEB_MAX_TIME_MS`` (default 10 s): the local runtime raises it, as its embedded engine is
    pure Python and slower than a MongoDB server by about two orders of magnitude."""
    return int(os.environ.get("SIEB_MAX_TIME_MS") or MAX_TIME_MS)

STAGES = {
    "$match",
    "$project",
    "$addFields",
    "$set",
    "$unset",
    "$group",
    "$sort",
    "$limit",
    "$skip",
    "$unwind",
    "$lookup",
    "$count",
    "$facet",
    "$replaceRoot",
    "$replaceWith",
    "$sortByCount",
    "$bucket",
    "$sample",
}
FORBIDDEN = {
    "$out": "writes a collection",
    "$merge": "writes a collection",
    "$function": "runs JavaScript",
    "$accumulator": "runs JavaScript",
    "$where": "runs JavaScript",
    "$eval": "runs JavaScript",
    "$unionWith": "reads another collection outside a declared join",
    "$graphLookup": "recursive joins",
    "$currentOp": "administrative",
    "$collStats": "administrative",
    "$indexStats": "administrative",
    "$listSessions": "administrative",
    "$listLocalSessions": "administrative",
    "$planCacheStats": "administrative",
    "$changeStream": "administrative",
    "$documents": "not a read",
}
OPERATORS = {
    # query
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$and",
    "$or",
    "$nor",
    "$not",
    "$exists",
    "$type",
    "$regex",
    "$options",
    "$all",
    "$elemMatch",
    "$size",
    "$expr",
    "$mod",
    # expressions
    "$add",
    "$subtract",
    "$multiply",
    "$divide",
    "$abs",
    "$ceil",
    "$floor",
    "$round",
    "$trunc",
    "$sqrt",
    "$pow",
    "$ln",
    "$log10",
    "$cond",
    "$ifNull",
    "$switch",
    "$min",
    "$max",
    "$sum",
    "$avg",
    "$first",
    "$last",
    "$push",
    "$addToSet",
    "$count",
    "$toDouble",
    "$toInt",
    "$toString",
    "$toDecimal",
    "$concat",
    "$toLower",
    "$toUpper",
    "$substr",
    "$substrCP",
    "$strLenCP",
    "$arrayElemAt",
    "$filter",
    "$map",
    "$reduce",
    "$setUnion",
    "$setIntersection",
    "$isArray",
    "$literal",
    "$dateToString",
    "$year",
    "$month",
    "$dayOfMonth",
    "$dateDiff",
    "$setDifference",
    "$stdDevPop",
    "$stdDevSamp",
    "$anyElementTrue",
    "$allElementsTrue",
    "$mergeObjects",
    "$indexOfArray",
    "$slice",
    "$concatArrays",
    # Extended JSON literals (a pipeline travels as JSON: dates and decimals are wrapped)
    "$date",
    "$numberDecimal",
}
_VAR = re.compile(r"^\$\$[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_.]+)?$")
_SYSTEM_VARS = {"ROOT", "CURRENT", "REMOVE", "NOW"}


class PipelineRefused(ValueError):
    """The pipeline is not admitted; the message says what and why."""


def validate(collection: str, pipeline: Any, collections: set[str]) -> list[dict[str, Any]]:
    """The pipeline, checked, with the row cap appended. ``collections``: the tenant's own."""
    if collection not in collections:
        raise PipelineRefused(f"unknown collection {collection!r}: yours are {sorted(collections)}")
    if not isinstance(pipeline, list):
        raise PipelineRefused("a pipeline is a list of stages")
    if len(pipeline) > MAX_STAGES:
        raise PipelineRefused(f"a pipeline has at most {MAX_STAGES} stages, this one {len(pipeline)}")
    try:
        size = len(json.dumps(pipeline, default=str))
    except (TypeError, ValueError):
        raise PipelineRefused("a pipeline is plain JSON") from None
    if size > MAX_BYTES:
        raise PipelineRefused(f"a pipeline is at most {MAX_BYTES} bytes of JSON, this one {size}")
    lookups = [0]
    _stages(pipeline, collections, depth=0, lookups=lookups, lets=set())
    return [*pipeline, {"$limit": ROW_CAP}]


def _stages(
    pipeline: list[Any], collections: set[str], depth: int, lookups: list[int], lets: set[str]
) -> None:
    for i, stage in enumerate(pipeline):
        if not isinstance(stage, dict) or len(stage) != 1:
            raise PipelineRefused(f"stage {i + 1}: a stage is an object with exactly one $-key")
        name, spec = next(iter(stage.items()))
        if name in FORBIDDEN:
            raise PipelineRefused(
                f"stage {i + 1}: {name} is not allowed ({FORBIDDEN[name]}); Sieb only reads"
            )
        if name not in STAGES:
            raise PipelineRefused(
                f"stage {i + 1}: {name} is not an allowed stage (allowed: {', '.join(sorted(STAGES))})"
            )
        if name == "$lookup":
            _lookup(i, spec, collections, depth, lookups, lets)
        elif name == "$facet":
            if not isinstance(spec, dict) or not spec:
                raise PipelineRefused(f"stage {i + 1}: $facet takes named sub-pipelines")
            for sub in spec.values():
                if not isinstance(sub, list):
                    raise PipelineRefused(f"stage {i + 1}: each $facet output is a pipeline")
                _stages(sub, collections, depth, lookups, lets)
        elif name in ("$limit", "$skip"):
            if not isinstance(spec, int) or isinstance(spec, bool) or spec < (1 if name == "$limit" else 0):
                raise PipelineRefused(f"stage {i + 1}: {name} takes a non-negative integer")
        else:
            _expression(spec, f"stage {i + 1} ({name})", lets)


def _lookup(i: int, spec: Any, collections: set[str], depth: int, lookups: list[int], lets: set[str]) -> None:
    where = f"stage {i + 1} ($lookup)"
    if not isinstance(spec, dict):
        raise PipelineRefused(f"{where}: takes an object")
    unknown = set(spec) - {"from", "localField", "foreignField", "as", "let", "pipeline"}
    if unknown:
        raise PipelineRefused(f"{where}: unknown option(s) {sorted(unknown)}")
    source = spec.get("from")
    if not isinstance(source, str):
        raise PipelineRefused(
            f"{where}: 'from' names one of your collections (another database is not reachable)"
        )
    if source not in collections:
        raise PipelineRefused(f"{where}: unknown collection {source!r}: yours are {sorted(collections)}")
    lookups[0] += 1
    if lookups[0] > MAX_LOOKUPS:
        raise PipelineRefused(f"{where}: at most {MAX_LOOKUPS} joins in a pipeline")
    if depth + 1 > MAX_LOOKUP_DEPTH:
        raise PipelineRefused(f"{where}: joins nest at most {MAX_LOOKUP_DEPTH} deep")
    for key in ("localField", "foreignField", "as"):
        if key in spec and (not isinstance(spec[key], str) or spec[key].startswith("$")):
            raise PipelineRefused(f"{where}: {key} is a field name")
    inner = set(lets)
    if "let" in spec:
        if not isinstance(spec["let"], dict):
            raise PipelineRefused(f"{where}: 'let' is an object")
        _expression(spec["let"], where, lets, field_names=True)
        inner |= set(spec["let"])
    if "pipeline" in spec:
        if not isinstance(spec["pipeline"], list):
            raise PipelineRefused(f"{where}: 'pipeline' is a list of stages")
        _stages(spec["pipeline"], collections, depth + 1, lookups, inner)


def _expression(value: Any, where: str, lets: set[str], field_names: bool = False) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if not isinstance(key, str):
                raise PipelineRefused(f"{where}: keys are strings")
            if key.startswith("$"):
                if key in FORBIDDEN:
                    raise PipelineRefused(
                        f"{where}: {key} is not allowed ({FORBIDDEN[key]}); Sieb only reads"
                    )
                if key not in OPERATORS:
                    raise PipelineRefused(f"{where}: operator {key} is not allowed")
                if key == "$regex" and (not isinstance(sub, str) or len(sub) > MAX_REGEX):
                    raise PipelineRefused(
                        f"{where}: $regex takes a pattern of at most {MAX_REGEX} characters"
                    )
            _expression(sub, where, lets)
    elif isinstance(value, list):
        for sub in value:
            _expression(sub, where, lets)
    elif isinstance(value, str) and value.startswith("$$"):
        if not _VAR.match(value):
            raise PipelineRefused(f"{where}: {value!r} is not a variable")
        name = value[2:].split(".")[0]
        if name not in _SYSTEM_VARS and name not in lets and not name.startswith("this") and name != "value":
            raise PipelineRefused(f"{where}: unknown variable {value!r}")
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise PipelineRefused(f"{where}: {type(value).__name__} is not a JSON value")
