"""Media objects of the library in S3: presigned URLs, copies and prefix deletes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from soundmosaic.platform import aws


def presigned_get(bucket: str, key: str, expires_s: int = 3600, filename: str | None = None) -> str:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return str(aws.client("s3").generate_presigned_url("get_object", Params=params,
                                                        ExpiresIn=expires_s))


def presigned_gets(bucket: str, keys: list[str], expires_s: int = 3600) -> list[str]:
    """Presigned GETs of many objects of one bucket, as ``presigned_get`` makes them.

    botocore spends about a millisecond per URL in its event hooks and endpoint rules, which a
    page of 50 samples would pay 50 times. Here botocore makes the first URL (endpoint, addressing
    style, credentials as it resolves them) and the others are signed the same way (SigV4 query
    signing, host header only, unsigned payload) with the standard library; a unit test holds
    the URLs equal to botocore's.
    """
    if not keys:
        return []
    client = aws.client("s3")
    first = presigned_get(bucket, keys[0], expires_s)
    base, query = first.split("?", 1)
    prefix = base[: len(base) - len(quote(keys[0], safe="/~"))]
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    amz_date, scope = params["X-Amz-Date"], unquote(params["X-Amz-Credential"]).split("/", 1)[1]
    credentials = client._request_signer._credentials.get_frozen_credentials()  # as botocore signed
    date, region, service, _ = scope.split("/")
    signing_key = f"AWS4{credentials.secret_key}".encode()
    for part in (date, region, service, "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    fixed = {k: v for k, v in params.items() if k != "X-Amz-Signature"}
    canonical_query = "&".join(f"{k}={fixed[k]}" for k in sorted(fixed))
    urls = [first]
    for key in keys[1:]:
        url = prefix + quote(key, safe="/~")
        parts = urlsplit(url)
        canonical = "\n".join(["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host",
                               "UNSIGNED-PAYLOAD"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        urls.append(f"{url}?{query.rsplit('&X-Amz-Signature=', 1)[0]}&X-Amz-Signature={signature}")
    return urls


def move(src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> None:
    """Copy then delete: the original is never gone before its copy exists."""
    s3 = aws.client("s3")
    s3.copy({"Bucket": src_bucket, "Key": src_key}, dst_bucket, dst_key)
    s3.delete_object(Bucket=src_bucket, Key=src_key)


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under ``prefix``; returns how many went."""
    assert prefix.endswith("/"), "prefix deletes must end at a folder boundary"
    s3 = aws.client("s3")
    deleted = 0
    for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects = [{"Key": o["Key"]} for o in listing.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    return deleted
