"""Publishing a kept take: the release, its DDEX ERN package and the distributor outbox.

``release`` (the Release model and its rights splits), ``ddex`` (an ERN 4.3 NewReleaseMessage),
``package`` (the release package on disk and in S3), ``distributor`` (the REST adapter),
``outbox`` (DynamoDB publication records and SQS: idempotent, retried, with a status),
``service`` (publishing a kept take: ISRC, splits, cover, the outbox from the environment).
The local sandbox distributor is a laptop fixture (``soundmosaic_local.fixtures``). See
docs/publishing.md.
"""
