"""The embedded MongoDB-wire server (laptop and tests only, never deployed): ``server`` speaks the
wire protocol pymongo uses, ``engine`` executes the commands in process. See docs/sieb.md."""
