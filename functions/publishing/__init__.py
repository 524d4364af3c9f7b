"""The publishing outbox consumer (see app.py)."""
