"""A retried parse step (the upload already moved to the kept original) parses the kept copy
instead of failing the document; in-process moto."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from soundmosaic.platform import aws
from soundmosaic.writers import arrivals, intake, rooms
from soundmosaic.writers.store import WritersStore


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "UPLOADS_BUCKET": "uploads-b",
        "MEDIA_BUCKET": "media",
        "WRITERS_TABLE": "writers",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        aws.reset()
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="uploads-b")
        s3.create_bucket(Bucket="media")
        boto3.client("dynamodb").create_table(
            TableName="writers",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )
        yield
    aws.reset()
    assert os.environ["MEDIA_BUCKET"] == "media"


def test_a_retried_parse_reads_the_kept_original(aws_env: None) -> None:
    store = WritersStore()
    room = rooms.create(store, "u1", "Raum", "de")["room_id"]
    key = arrivals.upload_key(room, "doc1", "folge_7.fountain")
    arrivals.new_document(store, room, "folge_7.fountain", "upload", "doc1", key)
    aws.client("s3").put_object(
        Bucket="uploads-b", Key=key, Body="INT. KIOSK - TAG\n\nTill zählt Geld.\n".encode()
    )
    first = intake.step_parse(room, "doc1", "uploads-b", key)
    again = intake.step_parse(room, "doc1", "uploads-b", key)  # Step Functions retried it
    assert first["skip"] is False and again["skip"] is False and again["episode"] == 7
    assert again["version"] == first["version"] == 1  # the retry took no second revision
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="uploads-b")  # moved, not copied
