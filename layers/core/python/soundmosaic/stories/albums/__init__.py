"""AlbumDreamer: a whole album from a concept (the stories room's ``albums`` part, docs/stories.md).

A *project* holds a concept, its constraints, the director's prompt templates (editable) and the
plan the director made (title, tracks with soundscapes and prompts, validated against
``plan.schema.json``, editable before generation). Generating renders one image and one piece
of music per track, the cover, a static website (zipped) and writes everything to the albums SQL
database.

Modules: ``plan`` (schema, validation, constraints), ``templates`` (the director's prompts),
``director`` (LLM and offline planners), ``music`` (MusicGen sliding window, offline symbolic
engine), ``visuals`` (cover and track images), ``site`` (the static site and its zip), ``db``
(the SQL schema, migrations, read-only queries), ``store`` (S3 layout), ``service`` (projects and
the workflow's steps).
"""
