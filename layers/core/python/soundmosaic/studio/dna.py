"""ArtistDNA: a versioned JSON document per artist on S3, the memory of the studio.

Each version is one immutable object, ``artists/<artist>/dna/v000001.json`` and up, holding the
whole document (style, chosen names, artworks, videos) and a short ``change`` text. A new
version is written with ``If-None-Match: *``: when two writers race for the same number, S3
lets exactly one win and the other re-reads the latest version, re-applies its change and tries
the next number. Every version is validated against ``artist_dna.schema.json`` before it is
written, so a bad document can never become the latest.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from soundmosaic.platform import clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3json import ObjectMissing, S3Json

if TYPE_CHECKING:  # jsonschema only when a document is validated (a write), not to read one
    import jsonschema

SCHEMA_ID = "soundmosaic/artist-dna/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "artist_dna.schema.json"
MAX_ATTEMPTS = 12
_VERSION_KEY = re.compile(r"/dna/v(\d{6})\.json$")
# Fields every version changes: a diff between versions is about the content.
ENVELOPE = ("version", "created_at", "change")


class DnaVersionNotFound(LookupError):
    pass


class DnaConflict(RuntimeError):
    """Other writers kept winning the race for the next version."""


def prefix(artist_id: str) -> str:
    return f"artists/{artist_id}/dna/"


def version_key(artist_id: str, version: int) -> str:
    return f"{prefix(artist_id)}v{version:06d}.json"


def empty(artist_id: str) -> dict[str, Any]:
    """Version 0: what an artist who never picked anything has."""
    return {"schema": SCHEMA_ID, "artist_id": artist_id, "version": 0, "created_at": clock.iso(),
            "change": "empty", "style": {"palette": [], "fonts": [], "moods": []},
            "names": [], "artworks": [], "videos": []}


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate(document: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first problem when a document breaks the schema."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise ValueError(f"artistDNA is invalid at {where}: {error.message}")


class DnaStore:
    """The artistDNA versions of every artist in the media bucket."""

    def __init__(self, bucket: str | None = None) -> None:
        self.objects = S3Json(bucket or resource("MEDIA_BUCKET"))
        self.bucket, self.s3 = self.objects.bucket, self.objects.s3

    def versions(self, artist_id: str) -> list[int]:
        found = (_VERSION_KEY.search(key) for key in self.objects.keys(prefix(artist_id)))
        return sorted(int(match.group(1)) for match in found if match)

    def get(self, artist_id: str, version: int | None = None) -> dict[str, Any]:
        """A version, or the latest (version 0, empty, when there is none)."""
        if version is None:
            versions = self.versions(artist_id)
            if not versions:
                return empty(artist_id)
            version = versions[-1]
        if version == 0:
            return empty(artist_id)
        try:
            document: dict[str, Any] = self.objects.get_json(version_key(artist_id, version))
        except ObjectMissing as err:
            raise DnaVersionNotFound(f"artistDNA has no version {version}") from err
        return document

    def history(self, artist_id: str) -> list[dict[str, Any]]:
        """Every version, newest first: ``[{version, created_at, change}]``."""
        entries = []
        for version in reversed(self.versions(artist_id)):
            document = self.get(artist_id, version)
            entries.append({k: document[k] for k in ENVELOPE})
        return entries

    def diff(self, artist_id: str, older: int, newer: int) -> list[dict[str, Any]]:
        return diff(self.get(artist_id, older), self.get(artist_id, newer))

    def update(self, artist_id: str, change: str, mutate: Callable[[dict[str, Any]], None]) -> int:
        """Apply ``mutate`` to the latest document and store it as the next version.

        ``mutate`` edits the document in place; it is re-applied to a fresh copy of the latest
        version after every lost race, so it must only depend on its argument. Returns the new
        version number.
        """
        for attempt in range(MAX_ATTEMPTS):
            if attempt:  # jittered backoff, so racing writers stop colliding in lockstep
                time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))  # noqa: S311
            latest = self.get(artist_id)
            document = copy.deepcopy(latest)
            mutate(document)
            document.update(schema=SCHEMA_ID, artist_id=artist_id, version=latest["version"] + 1,
                            created_at=clock.iso(), change=change[:300] or "update")
            validate(document)
            try:
                self.s3.put_object(
                    Bucket=self.bucket, Key=version_key(artist_id, document["version"]),
                    Body=json.dumps(document, indent=1, ensure_ascii=False).encode(),
                    ContentType="application/json", IfNoneMatch="*")
            except ClientError as err:
                # 412: the version exists (someone else won); 409: a concurrent conditional
                # write to the same key is still in flight. Either way: re-read and retry.
                if err.response.get("Error", {}).get("Code") in ("PreconditionFailed",
                                                                  "ConditionalRequestConflict"):
                    continue
                raise
            return int(document["version"])
        raise DnaConflict(f"artistDNA of {artist_id} changed under us {MAX_ATTEMPTS} times; try again")


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """What changed from ``before`` to ``after``: ``[{path, op, before, after}]`` with JSON
    Pointer paths (lists compare by position). The envelope fields are left out at the top."""
    changes: list[dict[str, Any]] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            if not path and key in ENVELOPE:
                continue
            child = f"{path}/{_escape(str(key))}"
            if key not in before:
                changes.append({"path": child, "op": "add", "before": None, "after": after[key]})
            elif key not in after:
                changes.append({"path": child, "op": "remove", "before": before[key], "after": None})
            else:
                changes += diff(before[key], after[key], child)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            child = f"{path}/{index}"
            if index >= len(before):
                changes.append({"path": child, "op": "add", "before": None, "after": after[index]})
            elif index >= len(after):
                changes.append({"path": child, "op": "remove", "before": before[index], "after": None})
            else:
                changes += diff(before[index], after[index], child)
    elif before != after or type(before) is not type(after):
        changes.append({"path": path or "/", "op": "change", "before": before, "after": after})
    return changes


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
