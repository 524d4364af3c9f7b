"""S3 buckets and DynamoDB tables: one per resource entry, with their security settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from tests.infra.conftest import SPA_ORIGIN, STAGE
from tests.infra.helpers import of_type, props

pytestmark = pytest.mark.infra


def _bucket_ids(synth) -> dict[str, str]:
    """Listed bucket key -> logical id in the storage template."""
    stack = synth.stacks["Storage"]
    return {key: stack.resolve(stack.get_logical_id(bucket.node.default_child))
            for key, bucket in stack.buckets.items()}


def test_one_bucket_per_resource_list_entry(synth):
    synth.template("Storage").resource_count_is("AWS::S3::Bucket", len(resources.BUCKETS))
    assert set(_bucket_ids(synth)) == {b.key for b in resources.BUCKETS}


def test_buckets_are_private_encrypted_versioned_and_retained(synth):
    template = synth.json("Storage")
    for logical_id in _bucket_ids(synth).values():
        bucket = template["Resources"][logical_id]
        p = props(bucket)
        sse = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert p["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }
        assert p["VersioningConfiguration"] == {"Status": "Enabled"}
        assert p["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["UpdateReplacePolicy"] == "Retain"


def test_every_bucket_policy_denies_plain_http(synth):
    template = synth.json("Storage")
    policies = {props(p)["Bucket"]["Ref"]: props(p)["PolicyDocument"]["Statement"]
                for p in of_type(template, "AWS::S3::BucketPolicy").values()}
    for key, logical_id in _bucket_ids(synth).items():
        denies = [s for s in policies[logical_id] if s["Effect"] == "Deny"
                  and s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false"]
        assert denies, f"bucket {key} has no TLS-only policy"
        assert denies[0]["Action"] == "s3:*"
        assert denies[0]["Principal"] == {"AWS": "*"}


def test_lifecycle_aborts_multipart_expires_old_versions_and_quarantine(synth):
    template = synth.json("Storage")
    for key, logical_id in _bucket_ids(synth).items():
        rules = props(template["Resources"][logical_id])["LifecycleConfiguration"]["Rules"]
        assert all(r["Status"] == "Enabled" for r in rules)
        assert any(r.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 7}
                   for r in rules), key
        assert any("NoncurrentVersionExpiration" in r for r in rules), key
        whole = [r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r and "Prefix" not in r]
        assert whole == ([90] if key == "quarantine" else []), key
        # The GPU endpoint's asynchronous requests and replies are transient copies.
        # (The booth's media expire by retention tag: tests/infra/test_booth_privacy.py.)
        prefixed = {r["Prefix"]: r["ExpirationInDays"] for r in rules
                    if "Prefix" in r and r["Prefix"] != "booth/"}
        assert prefixed == ({"sagemaker/": 14} if key == "media" else {}), key


def test_cors_lets_the_spa_put_get_head_and_read_etags(synth):
    template = synth.json("Storage")
    for logical_id in _bucket_ids(synth).values():
        (rule,) = props(template["Resources"][logical_id])["CorsConfiguration"]["CorsRules"]
        assert rule["AllowedOrigins"] == [SPA_ORIGIN]
        assert set(rule["AllowedMethods"]) == {"PUT", "GET", "HEAD"}
        assert "ETag" in rule["ExposedHeaders"]


def test_several_spa_origins(prod_synth):
    bucket = next(iter(of_type(prod_synth.json("Storage"), "AWS::S3::Bucket").values()))
    (rule,) = props(bucket)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://soundmosaic.example",
                                      "https://preview.soundmosaic.example"]


def test_tables_follow_the_resource_list(synth):
    template = synth.json("Data")
    tables = of_type(template, "AWS::DynamoDB::Table")
    assert len(tables) == len(resources.TABLES)
    by_name = {props(t)["TableName"]: t for t in tables.values()}
    for entry in resources.TABLES:
        table = by_name[physical_name(STAGE, entry.key)]
        p = props(table)
        expected_keys = [{"AttributeName": entry.partition_key, "KeyType": "HASH"}]
        if entry.sort_key:
            expected_keys.append({"AttributeName": entry.sort_key, "KeyType": "RANGE"})
        assert p["KeySchema"] == expected_keys
        assert {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]} == {
            k["AttributeName"]: "S" for k in expected_keys}
        assert p["BillingMode"] == "PAY_PER_REQUEST"
        assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert p["SSESpecification"]["SSEEnabled"] is True
        if entry.ttl_attribute:
            assert p["TimeToLiveSpecification"] == {"AttributeName": entry.ttl_attribute,
                                                    "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in p
        assert table["DeletionPolicy"] == "Retain"


def test_resource_list_table_keys_are_the_ones_the_code_uses():
    tables = {t.key: t for t in resources.TABLES}
    assert (tables["tracks"].partition_key, tables["tracks"].sort_key) == ("artist_id", "track_id")
    assert (tables["jobs"].partition_key, tables["jobs"].sort_key) == ("artist_id", "job_id")
    # Powertools' DynamoDBPersistenceLayer defaults.
    idempotency = tables["idempotency"]
    assert (idempotency.partition_key, idempotency.sort_key) == ("id", None)
    assert idempotency.ttl_attribute == "expiration"
    # soundmosaic.royalties.tables: generic pk/sk, the variables the ledger reads.
    for key, env in (("royalty-ledger", "LEDGER_TABLE"), ("royalty-audit", "AUDIT_TABLE"),
                     ("royalty-provenance", "PROVENANCE_TABLE"), ("catalog", "CATALOG_TABLE"),
                     ("generation", "GENERATION_TABLE"), ("publications", "PUBLICATIONS_TABLE")):
        assert (tables[key].partition_key, tables[key].sort_key, tables[key].env) == ("pk", "sk", env)


def test_royalty_ledger_and_audit_are_protected_in_production(prod_synth):
    by_name = {props(t)["TableName"]: t for t in of_type(prod_synth.json("Data"),
                                                            "AWS::DynamoDB::Table").values()}
    for key in ("royalty-ledger", "royalty-audit", "royalty-provenance", "catalog", "generation",
                "publications"):
        table = by_name[physical_name("prod", key)]
        assert props(table)["DeletionProtectionEnabled"] is True, key
        assert props(table)["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


def test_production_tables_have_deletion_protection(synth, prod_synth):
    for table in of_type(prod_synth.json("Data"), "AWS::DynamoDB::Table").values():
        assert props(table)["DeletionProtectionEnabled"] is True
    for table in of_type(synth.json("Data"), "AWS::DynamoDB::Table").values():
        assert props(table).get("DeletionProtectionEnabled") in (None, False)


def test_secrets_follow_the_resource_list_hold_a_placeholder_and_are_retained(synth):
    found = of_type(synth.json("Data"), "AWS::SecretsManager::Secret")
    # The SQL clusters' credentials are generated secrets of their own (one per database).
    secrets = {k: s for k, s in found.items() if "GenerateSecretString" not in props(s)}
    assert len(found) - len(secrets) == len(resources.DATABASES)
    assert {props(s)["Name"] for s in secrets.values()} == {physical_name(STAGE, s.key)
                                                            for s in resources.SECRETS}
    for secret in secrets.values():
        assert props(secret)["SecretString"] == "{}"
        assert secret["DeletionPolicy"] == "Retain"


def test_siebs_mongodb_is_what_docs_sieb_md_argues(synth, prod_synth):
    """docs/sieb.md ("In AWS") chooses MongoDB Atlas, reached over TLS from functions outside any
    VPC, over DocumentDB (which would put the api in a VPC). So the CDK builds the secret for the
    Atlas URI and nothing of DocumentDB's: no cluster and no Lambda function in a VPC (the
    compute stack's VPC is its Fargate tasks'). If this changes, the docs' argument has to
    change with it."""
    for app in (synth, prod_synth):
        everything = {k: v for short in app.templates for k, v in app.json(short)["Resources"].items()}
        kinds = {r["Type"] for r in everything.values()}
        assert not {k for k in kinds if k.startswith(("AWS::DocDB::", "AWS::DocDBElastic::"))}
        functions = [r for r in everything.values() if r["Type"] == "AWS::Lambda::Function"]
        assert functions and all("VpcConfig" not in props(f) for f in functions)
    secret = next(s for s in resources.SECRETS if s.key == "mongodb-uri")
    assert "Atlas" in secret.purpose and secret.env == "MONGODB_SECRET"
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sieb.md").read_text()
    assert "In AWS: MongoDB Atlas through Secrets Manager" in doc and "no function in a VPC" in doc
