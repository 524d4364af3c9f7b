"""Song generation workflow steps (see app.py)."""
