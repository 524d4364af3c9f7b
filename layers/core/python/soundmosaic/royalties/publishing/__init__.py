"""Publishing a generated track: the release, its DDEX ERN package and the distributor outbox.

``release`` (the Release model and its rights splits), ``ddex`` (an ERN 4.3 NewReleaseMessage),
``package`` (the release package on disk and in S3), ``distributor`` (the REST adapter),
``sandbox`` (a local distributor: the embedded default and the tests' server), ``outbox``
(DynamoDB publication records and SQS: idempotent, retried, with a status), ``service``
(publishing a kept take: ISRC, splits, cover, the outbox from the environment). See
docs/royalties.md and docs/generation.md, "Publishing".
"""
