"""The writers' room: script archive, room bible, chat with prompt caching, notes. See docs/writers.md.

``notes`` (the notes database: notes linked to episodes and characters, tags, search).
"""
