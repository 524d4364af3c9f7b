"""Stories room: see docs/stories.md."""
