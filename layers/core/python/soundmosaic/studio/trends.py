"""Naming trends refreshed every week from a configurable source, instead of a static file.

``refresh()`` (called by the weekly refresh) reads the source's titles, measures how often each
naming pattern of ``trends.toml`` occurs in them, and stores the result as the current trends
(``platform/trends/current.json`` in the media bucket), with a report of what changed against the
previous ones. ``names.load_trends`` reads the current trends when there are some, else the
shipped file. The patterns' names, descriptions and genres stay the file's; the source sets their
weights (1 + 9 x the share of titles that follow the pattern) and examples (titles that do).

Sources (``SOUNDMOSAIC_TRENDS_SOURCE``):

``catalog`` (default)
    The platform catalog's recording titles, newest first as far as the catalog says (it keeps no
    release dates, so: all of them, at most ``MAX_TITLES``).
``file``
    No refresh: the shipped (or ``SOUNDMOSAIC_TRENDS``) file stays the trends.

A provider of chart titles is not wired in: the customer named no such service, so there is no
key to configure one with. See docs/generation.md ("Weekly refresh").
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws, clock
from soundmosaic.platform.s3json import ObjectMissing, S3Json

HERE = Path(__file__).parent
KEY = "platform/trends/current.json"
MAX_TITLES = 5000
SOURCES = ("catalog", "file")
_TIME_PLACE = re.compile(r"\b(\d{1,2}\s?(am|pm)|midnight|morning|dawn|dusk|night|tonight|sunday|monday|"
                         r"summer|winter|in|to|from|at)\b", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(you|your|me|don'?t|call|let'?s|tell|come)\b", re.IGNORECASE)
_COLOURS = re.compile(r"\b(red|blue|green|gold|golden|silver|black|white|violet|purple|pink|amber|grey|gray|"
                      r"scarlet|crimson|indigo|velvet)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|nineteen|hundred)\b",
                     re.IGNORECASE)


def follows(pattern: str, title: str) -> bool:
    """Whether ``title`` follows the naming pattern called ``pattern`` (the file's names)."""
    words = title.split()
    checks = {
        "one-word": len(words) == 1,
        "lowercase": title == title.lower() and any(c.isalpha() for c in title),
        "time-and-place": bool(_TIME_PLACE.search(title)),
        "direct-address": bool(_ADDRESS.search(title)),
        "parenthetical": bool(re.search(r"\(.+\)", title)),
        "numbers": bool(_NUMBER.search(title)),
        "compound": len(words) == 2 and all(w[:1].isupper() for w in words),
        "colour": bool(_COLOURS.search(title)),
    }
    return checks.get(pattern, False)


def _file_patterns() -> list[dict[str, Any]]:
    source = Path(os.environ.get("SOUNDMOSAIC_TRENDS") or HERE / "trends.toml")
    return list(tomllib.loads(source.read_text(encoding="utf-8")).get("pattern", []))


def catalog_titles() -> Iterator[str]:
    """Every recording title in the platform catalog (a scan of its recording items)."""
    from soundmosaic.catalog.store import CatalogStore
    from soundmosaic.royalties import tables

    scan: dict[str, Any] = {"TableName": CatalogStore().table,
                            "FilterExpression": "begins_with(pk, :r) AND sk = :s",
                            "ExpressionAttributeValues": {":r": {"S": "R#"}, ":s": {"S": "R"}},
                            "ProjectionExpression": "title"}
    ddb = aws.client("dynamodb")
    while True:
        reply = ddb.scan(**scan)
        yield from (tables.value(i["title"]) for i in reply["Items"] if "title" in i)
        if "LastEvaluatedKey" not in reply:
            return
        scan["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def measure(titles: Iterable[str]) -> list[dict[str, Any]]:
    """The file's patterns with weights and examples from ``titles``."""
    seen = [t.strip() for t in titles if t and t.strip()][:MAX_TITLES]
    patterns = []
    for pattern in _file_patterns():
        hits = [t for t in seen if follows(str(pattern["name"]), t)]
        share = len(hits) / len(seen) if seen else 0.0
        patterns.append({**pattern, "weight": round(1 + 9 * share, 2),
                         "examples": hits[:3] or list(pattern.get("examples", []))[:3], "titles": len(hits)})
    return patterns


def current() -> dict[str, Any] | None:
    """The stored trends (``{updated, source, titles, patterns}``), or None when never refreshed."""
    bucket = os.environ.get("MEDIA_BUCKET")
    if not bucket:
        return None
    try:
        return dict(S3Json(bucket).get_json(KEY))
    except ObjectMissing:
        return None


def refresh() -> dict[str, Any]:
    """Refresh the trends from the configured source; the report says what changed."""
    source = (os.environ.get("SOUNDMOSAIC_TRENDS_SOURCE") or "catalog").strip().lower()
    if source not in SOURCES:
        return {"source": source, "refreshed": False, "reason": f"unknown trends source {source!r}: "
                f"use one of {', '.join(SOURCES)}"}
    if source == "file":
        return {"source": source, "refreshed": False, "reason": "trends come from the file"}
    titles = list(catalog_titles())
    if not titles:
        return {"source": source, "refreshed": False, "reason": "the catalog has no titles yet"}
    before = {p["name"]: p for p in (current() or {}).get("patterns", [])}
    patterns = measure(titles)
    changes = []
    for p in patterns:
        old = before.get(p["name"])
        if old is None or old.get("weight") != p["weight"] or old.get("examples") != p["examples"]:
            changes.append({"pattern": p["name"], "weight_before": old.get("weight") if old else None,
                            "weight_after": p["weight"], "examples": p["examples"]})
    S3Json(os.environ["MEDIA_BUCKET"]).put_json(KEY, {"updated": clock.iso(), "source": source,
                                                      "titles": len(titles), "patterns": patterns})
    return {"source": source, "refreshed": True, "titles": len(titles), "changed": changes}
