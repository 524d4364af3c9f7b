"""Where Sieb's data lives: one MongoDB database per tenant, reached with pymongo.

``MONGODB_URI`` names the server (the embedded wire server locally, MongoDB Atlas in AWS); in AWS
the URI is read from the Secrets Manager secret named by ``MONGODB_SECRET`` instead, so it
never shows in the function's configuration. A tenant's database is ``sieb_<artist id>``; the
public sample data lives in ``sieb_sample`` and answers a tenant who has loaded nothing yet
(read-only, as every pipeline is). Conversations (for follow-ups) are kept in ``sieb_state``.

Environment variables
---------------------
MONGODB_URI
    ``mongodb://...`` or ``mongodb+srv://...``.
MONGODB_SECRET
    A secret whose string is the URI (used when MONGODB_URI is not set). The deployed functions
    run outside any VPC and reach Atlas over the internet (docs/sieb.md, "In AWS"), so a URI from
    the secret must use TLS: ``mongodb+srv://`` (TLS unless turned off) or ``tls=true``.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
import re
from decimal import Decimal
from typing import Any

import pymongo
from bson.decimal128 import Decimal128
from bson.objectid import ObjectId

from soundmosaic.sieb.errors import NotConfigured

SAMPLE_DB = "sieb_sample"
STATE_DB = "sieb_state"
_SAFE = re.compile(r"[^A-Za-z0-9_]")




@functools.cache
def client() -> pymongo.MongoClient[dict[str, Any]]:
    uri = os.environ.get("MONGODB_URI")
    if not uri and os.environ.get("MONGODB_SECRET"):
        from soundmosaic.platform import aws

        uri = aws.client("secretsmanager").get_secret_value(SecretId=os.environ["MONGODB_SECRET"])[
            "SecretString"
        ]
        if not uri.startswith(("mongodb://", "mongodb+srv://")):
            raise NotConfigured("the mongodb-uri secret holds no MongoDB URI yet (docs/sieb.md)")
        if not uses_tls(uri):
            raise NotConfigured(
                "the mongodb-uri secret's URI must use TLS (mongodb+srv://, or tls=true): "
                "the functions reach the cluster over the internet (docs/sieb.md)"
            )
    if not uri:
        raise NotConfigured(
            "Sieb needs MONGODB_URI (or MONGODB_SECRET): start `soundmosaic up` "
            "or point it at a MongoDB server"
        )
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True, appname="soundmosaic-sieb")


def uses_tls(uri: str) -> bool:
    """Whether a MongoDB URI asks for TLS: SRV URIs do by default, others need tls/ssl=true."""
    query = uri.partition("?")[2].lower()
    options = dict(p.partition("=")[::2] for p in re.split(r"[&;]", query) if p)
    flags = {options.get("tls"), options.get("ssl")}
    if uri.startswith("mongodb+srv://"):
        return not flags & {"false"}
    return bool(flags & {"true"})


def tenant_db_name(artist_id: str) -> str:
    """``sieb_<artist>``: MongoDB names are at most 63 bytes and forbid ``/\\. "$``; an id that
    needs cleaning gets a hash suffix so two ids never share a database."""
    clean = _SAFE.sub("_", artist_id)
    if clean != artist_id or len(clean) > 40:
        clean = f"{clean[:30]}_{hashlib.sha256(artist_id.encode()).hexdigest()[:10]}"
    return f"sieb_{clean}"


def database_for(artist_id: str) -> Any:
    """The tenant's own database when it holds collections, else the public sample."""
    own = client()[tenant_db_name(artist_id)]
    return own if own.list_collection_names() else client()[SAMPLE_DB]


def flat(value: Any) -> Any:
    """A BSON value as plain JSON: Decimal128 -> number, dates -> ISO 8601, ObjectId -> str."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dict):
        return {k: flat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [flat(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def flat_row(doc: dict[str, Any]) -> dict[str, Any]:
    """One result document as a flat row: nested objects become dotted keys (``warehouse.city``),
    GeoJSON points ``[lon, lat]`` stay lists."""
    row: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value.get("type") != "Point":
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, dict):
            row[prefix] = flat(value.get("coordinates"))
        else:
            row[prefix] = flat(value)

    walk("", doc)
    return row
