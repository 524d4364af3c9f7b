"""Royalties: money rules, provenance, the split, statement import, the ledger and statements.

``money`` (integer micros and minor units per ISO 4217 currency), ``provenance`` (influence of a
generated track's works, flattened to exact holder weights), ``split`` (largest remainder),
``statements`` (streaming CSV / JSON-lines parser), ``ledger`` (DynamoDB, append-only,
idempotent per line), ``reports`` (a holder's statement, CSV, chart aggregates). See
docs/royalties.md.
"""
