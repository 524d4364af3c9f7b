"""The music library: uploads, ingest validation, track records and their media."""
