"""The music library: uploads, ingest validation, track records and their media.

See docs/architecture.md, "The ingest flow".
"""
