"""Song generation: ten-song projects, their reference songs and the takes generated from them.

``projects`` (the generation table: projects, songs, takes), ``references`` (adding reference
songs and identifying them against the catalog, matching by hand), ``compose`` (the music
capability's request from ten matched songs and the provenance it yields), ``notes`` (a
reference song's notes, tempo and key), ``render`` (a take's master, preview and peaks),
``takes`` (the take workflow: start, steps, keep). See docs/generation.md.
"""
