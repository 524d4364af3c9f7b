"""Event booth room: see docs/booth.md."""
