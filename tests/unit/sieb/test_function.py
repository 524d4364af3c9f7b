"""The Sieb loader function: a tenant's collections from its own prefix in the uploads bucket
(moto in-process) into its own database on the embedded server. Hostile events: a prefix that
climbs out of the artist's folder, an artist id that is not one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pymongo
import pytest
from soundmosaic.platform import aws
from soundmosaic.sieb import store

from functions.sieb import app


@dataclass
class Context:
    function_name: str = "soundmosaic-unit-sieb"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:soundmosaic-unit-sieb"
    aws_request_id: str = "req-1"


def test_loads_the_artists_own_collections(aws_env: None, sieb_env: str, slice_dir: Path) -> None:
    s3 = aws.client("s3")
    bucket = os.environ["UPLOADS_BUCKET"]
    for path in slice_dir.iterdir():
        s3.upload_file(str(path), bucket, f"artists/artist-fn/sieb/stock/{path.name}")
    s3.put_object(Bucket=bucket, Key="artists/someone-else/sieb/stock/extra.jsonl", Body=b'{"_id": 1}\n')
    result = app.handler({"artist_id": "artist-fn", "prefix": "stock"}, Context())
    assert set(result["collections"]) == {"inventory", "products", "suppliers"}
    client: pymongo.MongoClient = pymongo.MongoClient(sieb_env)  # type: ignore[type-arg]
    db = client[store.tenant_db_name("artist-fn")]
    assert db.products.count_documents({}) == 200 and "extra" not in db.list_collection_names()
    client.drop_database(db.name)


@pytest.mark.parametrize("event", [{"artist_id": "artist-fn", "prefix": "../someone-else/sieb/stock"},
                                   {"artist_id": "../x", "prefix": "stock"}])
def test_an_event_cannot_reach_outside_the_artists_prefix(aws_env: None, sieb_env: str, event: dict) -> None:
    with pytest.raises(ValueError):
        app.handler(event, Context())
