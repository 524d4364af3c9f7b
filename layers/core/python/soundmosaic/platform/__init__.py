"""Platform core: the AWS resources (``resources``), configuration, S3 JSON, jobs, auth, paging,
observability and the bounds for untrusted media. See docs/architecture.md and docs/security.md.
"""
