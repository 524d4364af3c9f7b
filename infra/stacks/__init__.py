"""One stack per bounded context of the platform foundation."""
