"""Sieb's errors that the API maps without importing the driver (docs/sieb.md)."""

from __future__ import annotations


class NotConfigured(RuntimeError):
    """No MongoDB is configured (no MONGODB_URI, or the secret still holds its placeholder): 503."""
