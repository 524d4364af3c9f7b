"""Sieb's loader function: a tenant's own collections into its MongoDB database.

Event: ``{"artist_id", "prefix"}``, where ``prefix`` names a folder under
``artists/<artist_id>/sieb/`` in the uploads bucket holding ``<collection>.jsonl`` files
(Extended JSON, one document a line) and optionally ``relations.json``. The files are copied to
/tmp and loaded by ``soundmosaic.sieb.loader`` (idempotent upserts, indexes, schema card); the
artist comes from the event the API or an operator sent, and the keys read are always under
that artist's own prefix. Runs as the studio image (pymongo); MongoDB's URI comes from the
``mongodb-uri`` secret (docs/sieb.md).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform import auth, aws
from soundmosaic.platform.observability import for_function
from soundmosaic.sieb import loader, store

observed = for_function("sieb")
logger, metrics = observed.logger, observed.metrics
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BYTES = 200 * 1024 * 1024


@observed.handler()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    artist = auth.check_artist_id(str(event["artist_id"]))
    prefix = str(event.get("prefix") or "")
    if not _PREFIX.match(prefix):
        raise ValueError("prefix is letters, digits, _ and - (max 64)")
    key_prefix = f"artists/{artist}/sieb/{prefix}/"
    s3 = aws.client("s3")
    bucket = os.environ["UPLOADS_BUCKET"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key_prefix).get("Contents", [])
    if sum(o["Size"] for o in listed) > MAX_BYTES:
        raise ValueError(f"the collections under {key_prefix} exceed {MAX_BYTES} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        for obj in listed:
            name = obj["Key"][len(key_prefix):]
            if name.endswith(".jsonl") or name == "relations.json":
                if "/" in name:
                    continue
                s3.download_file(bucket, obj["Key"], str(Path(tmp) / name))
        result = loader.load(store.client()[store.tenant_db_name(artist)], Path(tmp))
    documents = sum(c["documents"] for c in result["collections"].values())
    logger.info("loaded", extra={"collections": len(result["collections"]), "documents": documents})
    metrics.add_metric(name="SiebDocumentsLoaded", unit="Count", value=documents)
    return result
