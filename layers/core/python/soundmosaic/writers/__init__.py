"""The writers' room: a TV drama's script archive, its bible, and a chat with Claude (prompt
caching) or the offline archivist.

Owns rooms and members (``rooms``), script intake and parsing (``parse``, ``intake``), scene
chunks, offline embeddings and the S3 vector index (``embed``, ``index``), the room bible and
digest (``bible``), the prompt layout for caching (``prompt``), the Claude adapter (``claude``),
the offline archivist (``archivist``), chat turns (``chat``), creative tools (``tools``), call
metrics (``metrics``), the weekly refresh (``refresh``) and the notes database (``notes``). See docs/writers.md.
"""
