"""Song generation: ten-song projects, their reference songs and the takes generated from them.

``projects`` (the generation table: projects, songs, takes), ``references`` (adding reference
songs and identifying them against the catalog, matching by hand), ``compose`` (the music
capability's request from ten matched songs and the provenance it yields), ``notes`` (a
reference song's notes, tempo and key), ``render`` (a take's master, preview and peaks),
``takes`` (the take workflow: start, steps, keep), ``influence`` (each song's measured influence on
a take and the split rule), ``external`` (the named catalogs: Apple Music, AcoustID, the rights
form). See docs/generation.md.
"""
