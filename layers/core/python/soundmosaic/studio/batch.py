"""Artwork batches: the files that start them, and the per-item reports that end them.

Files: a CSV or a JSON list of tracks -> clean artwork briefs, within bounds. Columns (CSV
header or JSON keys) ``title``, ``artist_name``, ``genre``, ``mood``, ``prompt`` are required
(``genre`` and ``mood`` may be empty; JSON items may leave them out); ``count`` (candidates per
track, 1-4, default 1) and ``seed`` are optional. Every problem is reported with its row
number, up to a few dozen at once, so a file can be fixed in one go. Text is cleaned like any
brief (``briefs.clean``).

Runs: every artwork job (an interactive generation is a batch of one) writes a manifest, one
report per item as it finishes (the job's percent follows them), then ``finish`` draws the
contact sheet and writes ``report.json``. The rule: **the job succeeds when at least one image
was made**, with a per-item report of what failed or was refused and why (a provider that goes
down mid-batch leaves the finished items in place); it fails only when nothing was made.

Environment variables
---------------------
SOUNDMOSAIC_BATCH_MAX_ITEMS
    Most tracks in one batch (default 500).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.platform.jobs import JobStore, reason_from_error
from soundmosaic.providers import ModelMosaic
from soundmosaic.studio import artwork, store
from soundmosaic.studio.briefs import Brief, BriefError
from soundmosaic.studio.store import Media, StudioNotFound

REQUIRED = ("title", "artist_name", "genre", "mood", "prompt")
OPTIONAL = ("count", "seed")
DEFAULT_MAX_ITEMS = 500
MAX_CSV_BYTES = 1024 * 1024
MAX_COUNT = 4
MAX_SEED = 2**31 - 1
MAX_REPORTED = 30


class BatchError(ValueError):
    """A batch file a user must fix; ``problems`` lists every one found (bounded)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems[:MAX_REPORTED]
        more = len(problems) - len(self.problems)
        super().__init__("; ".join(self.problems) + (f"; and {more} more" if more > 0 else ""))


@dataclass(frozen=True)
class BatchItem:
    index: int
    brief: Brief
    count: int = 1
    seed: int | None = None


def max_items() -> int:
    raw = os.environ.get("SOUNDMOSAIC_BATCH_MAX_ITEMS")
    return int(raw) if raw else DEFAULT_MAX_ITEMS


def parse_csv(text: str) -> list[BatchItem]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CSV_BYTES:
        raise BatchError([f"the CSV is larger than {MAX_CSV_BYTES // 1024} KiB"])
    if "\x00" in text:
        raise BatchError(["the CSV contains NUL bytes: is it a binary file?"])
    text = text.removeprefix("\ufeff")  # Excel's BOM
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise BatchError(["the CSV is empty: the first line must name the columns "
                              f"({', '.join(REQUIRED)})"])
        columns = [h.strip().casefold() for h in header]
        _check_columns(columns)
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        limit = max_items()
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines between rows are harmless
            line = reader.line_num
            if len(rows) >= limit:
                raise BatchError([f"the batch has more than {limit} rows (the limit)"])
            if len(row) != len(columns):
                problems.append(f"line {line}: {len(row)} fields, the header has {len(columns)}")
                continue
            rows.append({"_line": line, **dict(zip(columns, row, strict=True))})
    except csv.Error as err:
        raise BatchError([f"line {reader.line_num}: malformed CSV ({err})"]) from err
    return _items(rows, problems, "line")


def parse_items(items: Any) -> list[BatchItem]:
    """The JSON form: a list of objects with the same keys as the CSV columns."""
    if not isinstance(items, list):
        raise BatchError(["items must be a list of objects"])
    limit = max_items()
    if len(items) > limit:
        raise BatchError([f"the batch has {len(items)} items; the limit is {limit}"])
    problems: list[str] = []
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"item {number}: not an object")
            continue
        keys = [str(k).casefold() for k in item]
        try:
            _check_columns(keys, strict_required=False)
        except BatchError as err:
            problems += [f"item {number}: {p}" for p in err.problems]
            continue
        rows.append({"_line": number, **{str(k).casefold(): v for k, v in item.items()}})
    return _items(rows, problems, "item")


def _check_columns(columns: list[str], strict_required: bool = True) -> None:
    problems = []
    missing = [c for c in REQUIRED if c not in columns]
    if missing and strict_required:
        problems.append(f"missing columns: {', '.join(missing)} (the header needs "
                        f"{', '.join(REQUIRED)})")
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        problems.append(f"unknown columns: {', '.join(repr(c[:40]) for c in unknown[:10])} "
                        f"(known: {', '.join(REQUIRED + OPTIONAL)})")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        problems.append(f"duplicated columns: {', '.join(duplicated)}")
    if problems:
        raise BatchError(problems)


def _items(rows: list[dict[str, Any]], problems: list[str], unit: str) -> list[BatchItem]:
    items: list[BatchItem] = []
    for row in rows:
        where = f"{unit} {row['_line']}"
        try:
            brief = Brief.create(row.get("artist_name"), row.get("genre", ""), row.get("mood", ""),
                                 prompt=row.get("prompt"), title=row.get("title"), prompt_required=True)
            if not brief.title:
                raise BriefError("title is required")
            count = _bounded_int(row.get("count"), "count", 1, MAX_COUNT, default=1)
            seed = _bounded_int(row.get("seed"), "seed", 0, MAX_SEED, default=None)
        except (BriefError, TypeError) as err:
            problems.append(f"{where}: {err}")
            continue
        items.append(BatchItem(index=len(items), brief=brief, count=count or 1, seed=seed))
    if problems:
        raise BatchError(problems)
    if not items:
        raise BatchError(["the batch has no tracks"])
    return items


def _bounded_int(value: Any, name: str, low: int, high: int, default: int | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise BriefError(f"{name} must be a whole number")
    try:
        number = int(value.strip()) if isinstance(value, str) else int(value)
    except ValueError as err:
        raise BriefError(f"{name} must be a whole number") from err
    if isinstance(value, float) and value != number:
        raise BriefError(f"{name} must be a whole number")
    if not low <= number <= high:
        raise BriefError(f"{name} must be {low}-{high}")
    return number


# -- runs -------------------------------------------------------------------------------------


class NothingMade(RuntimeError):
    """Every item of an artwork job failed or was refused: the job fails with their reasons."""


def write_manifest(artist_id: str, job_id: str, kind: str, items: list[dict[str, Any]]) -> None:
    """``items``: ``[{index, artwork_id, title}]`` in batch order."""
    Media().put_json(store.batch_prefix(artist_id, job_id) + "manifest.json",
                     {"job_id": job_id, "kind": kind, "created_at": clock.iso(), "items": items})


def manifest(artist_id: str, job_id: str) -> dict[str, Any]:
    store.check_id(job_id, "batch")
    value: dict[str, Any] = Media().get_json(store.batch_prefix(artist_id, job_id) + "manifest.json",
                                             f"no artwork batch {job_id}")
    return value


def record_item(artist_id: str, job_id: str, index: int, report: dict[str, Any],
                thumbs: dict[str, bytes]) -> None:
    media = Media()
    for candidate_id, png in thumbs.items():
        media.put_bytes(_thumb_key(artist_id, job_id, index, candidate_id), png, "image/png")
    media.put_json(store.item_key(artist_id, job_id, index, "json"), {"index": index, **report})


def record_failure(artist_id: str, job_id: str, index: int, artwork_id: str, error: dict[str, Any]) -> None:
    """An item whose step crashed after its retries (the workflow's per-item Catch)."""
    title = next((i["title"] for i in manifest(artist_id, job_id)["items"] if i["index"] == index), "")
    record_item(artist_id, job_id, index, {"artwork_id": artwork_id, "title": title, "status": "failed",
                                           "made": [], "refused": [], "error": reason_from_error(error)}, {})


def report_progress(artist_id: str, job_id: str, total: int) -> None:
    """The job's percent from the items reported so far (5% to 90%)."""
    done = len([k for k in Media().keys(store.batch_prefix(artist_id, job_id) + "items/")
                if k.endswith(".json")])
    percent = 5 + int(85 * min(done, total) / max(total, 1))
    JobStore().advance(artist_id, job_id, f"artwork {min(done, total)}/{total}", percent)


def finish(artist_id: str, job_id: str) -> dict[str, Any]:
    """Contact sheet + report.json; the job's result, or ``NothingMade``."""
    media = Media()
    plan = manifest(artist_id, job_id)
    prefix = store.batch_prefix(artist_id, job_id)
    items, tiles = [], []
    for entry in plan["items"]:
        key = store.item_key(artist_id, job_id, entry["index"], "json")
        try:
            item = media.get_json(key, "missing")
        except StudioNotFound:  # its step and its failure record both crashed
            item = {"index": entry["index"], "artwork_id": entry["artwork_id"], "title": entry["title"],
                    "status": "failed", "made": [], "refused": [], "error": "the item reported nothing"}
        items.append(item)
        label = item["title"] or f"#{item['index'] + 1}"
        for candidate_id in item["made"]:
            thumb = media.get_bytes(_thumb_key(artist_id, job_id, item["index"], candidate_id), "thumb gone")
            caption = label if len(item["made"]) == 1 else f"{label} {candidate_id}"
            tiles.append(artwork.Tile(caption, item["status"], thumb))
        for refusal in item["refused"]:
            tiles.append(artwork.Tile(f"{label} {refusal['candidate_id']}", "refused: " + refusal["reason"],
                                      None))
        if not item["made"] and not item["refused"]:
            tiles.append(artwork.Tile(label, f"failed: {item['error']}", None))
    made = [i for i in items if i["made"]]
    title = (f"SoundMosaic {plan['kind']} {job_id}: {sum(len(i['made']) for i in items)} images, "
             f"{len(made)} of {len(items)} items")
    sheet_key, report_key = prefix + "contact-sheet.png", prefix + "report.json"
    media.put_bytes(sheet_key, artwork.contact_sheet(title, tiles), "image/png")
    counts = {status: sum(1 for i in items if i["status"] == status)
              for status in ("ok", "partial", "refused", "failed")}
    media.put_json(report_key, {"job_id": job_id, "kind": plan["kind"], "finished_at": clock.iso(),
                                "counts": counts, "items": items})
    problems = [i for i in items if i["status"] != "ok"]
    if not made:
        reasons = "; ".join(f"item {i['index'] + 1} ({i['title'] or 'untitled'}): "
                            f"{i['error'] or (i['refused'][0]['reason'] if i['refused'] else 'nothing')}"
                            for i in problems[:3])
        raise NothingMade(f"nothing was made: {reasons}"[:1500])
    return {
        "artwork_ids": [i["artwork_id"] for i in made], "images": sum(len(i["made"]) for i in items),
        "items": len(items), **counts, "contact_sheet_key": sheet_key, "report_key": report_key,
        # The first problems inline (the job record stays small); report.json has them all.
        "problems": [{"index": i["index"], "title": i["title"], "status": i["status"],
                      "reason": (i["error"] or "; ".join(r["reason"] for r in i["refused"]))[:300]}
                     for i in problems[:20]],
    }


def report(artist_id: str, job_id: str) -> dict[str, Any]:
    """A finished batch's report with fresh URLs for its contact sheet and candidates."""
    media = Media()
    plan = manifest(artist_id, job_id)
    prefix = store.batch_prefix(artist_id, job_id)
    try:
        body = media.get_json(prefix + "report.json", "not finished")
    except StudioNotFound:
        return {"job_id": job_id, "kind": plan["kind"], "finished": False, "items": plan["items"],
                "contact_sheet_url": None}
    for item in body["items"]:
        item["urls"] = {c: media.url(store.candidate_key(artist_id, item["artwork_id"], c, "png"))
                        for c in item["made"]}
    return {**body, "finished": True, "contact_sheet_url": media.url(prefix + "contact-sheet.png")}


def _thumb_key(artist_id: str, job_id: str, index: int, candidate_id: str) -> str:
    return store.item_key(artist_id, job_id, index, f"{candidate_id}.png")


def run_item(mosaic: ModelMosaic, artist_id: str, job_id: str, index: int, artwork_id: str,
             total: int) -> dict[str, Any]:
    """The workflow's per-item step: generate, report, move the job's percent."""
    outcome, thumbs = artwork.generate(mosaic, artist_id, artwork_id)
    record_item(artist_id, job_id, index, outcome.as_dict(), thumbs)
    report_progress(artist_id, job_id, total)
    return {"index": index, "artwork_id": artwork_id, "status": outcome.status}
