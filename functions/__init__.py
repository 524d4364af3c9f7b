"""Lambda entry points. Thin: parse the event, call the library, shape the reply.

Each folder is one function's code asset; ``app.handler`` is its handler. They import only
``soundmosaic`` (the core layer) and Powertools.
"""
