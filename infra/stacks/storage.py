"""S3 buckets of the resource list: private, encrypted, TLS-only, versioned, with lifecycle and CORS.

Bucket names are left to CloudFormation (S3 names are global, so a resource list name could be taken
by anyone); functions learn them through the resource list's environment variables. The upload
notifications to the ingest queue are wired in the ingest stack, which owns the queue.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Environment, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct
from soundmosaic.platform import resources

from infra.settings import Settings
from infra.stacks.base import FoundationStack

ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7)
NONCURRENT_VERSIONS_EXPIRE_AFTER = Duration.days(30)
# Buckets whose objects expire on their own: failed uploads are kept as sent for a while only.
EXPIRE_OBJECTS_AFTER: dict[str, Duration] = {"quarantine": Duration.days(90)}
# Prefixes whose objects are transient copies: the GPU endpoint's asynchronous requests and
# replies (infra.names.GPU_*_PREFIX), read once by the audio function.
EXPIRE_PREFIX_AFTER: dict[str, dict[str, Duration]] = {"media": {"sagemaker/": Duration.days(14)}}
DESCRIPTION = "SoundMosaic storage: S3 buckets " + ", ".join(b.key for b in resources.BUCKETS)


class StorageStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        known = {b.key for b in resources.BUCKETS}
        unknown = (set(EXPIRE_OBJECTS_AFTER) | set(EXPIRE_PREFIX_AFTER)) - known
        if unknown:
            raise ValueError(f"expiry set for buckets not in the resource list: {sorted(unknown)}")
        cors = [s3.CorsRule(
            allowed_origins=list(settings.spa_origins),
            allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=3000,
        )]
        self.buckets: dict[str, s3.Bucket] = {}
        for entry in resources.BUCKETS:
            rules = [s3.LifecycleRule(
                id="abort-incomplete-multipart-and-old-versions",
                abort_incomplete_multipart_upload_after=ABORT_INCOMPLETE_UPLOADS_AFTER,
                noncurrent_version_expiration=NONCURRENT_VERSIONS_EXPIRE_AFTER,
                expired_object_delete_marker=True,
            )]
            if entry.key in EXPIRE_OBJECTS_AFTER:
                rules.append(s3.LifecycleRule(id="expire-objects",
                                              expiration=EXPIRE_OBJECTS_AFTER[entry.key]))
            for prefix, after in EXPIRE_PREFIX_AFTER.get(entry.key, {}).items():
                rules.append(s3.LifecycleRule(id=f"expire-{prefix.strip('/')}", prefix=prefix,
                                              expiration=after))
            # The resource list's expiries (the booth's media, by their event's retention tag).
            for n, expiry in enumerate(e for e in resources.EXPIRIES if e.bucket == entry.key):
                rules.append(s3.LifecycleRule(
                    id=f"expire-{n}-{expiry.prefix.strip('/')}", prefix=expiry.prefix,
                    tag_filters=dict([expiry.tag]) if expiry.tag else None,
                    expiration=Duration.days(expiry.days)))
            bucket = s3.Bucket(
                self, entry.key,
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                enforce_ssl=True,
                minimum_tls_version=1.2,
                versioned=True,
                lifecycle_rules=rules,
                cors=cors,
                removal_policy=RemovalPolicy.RETAIN,
            )
            self.buckets[entry.key] = bucket
            CfnOutput(self, f"{entry.key}-bucket", value=bucket.bucket_name,
                      description=f"{entry.env}: {entry.purpose}")
