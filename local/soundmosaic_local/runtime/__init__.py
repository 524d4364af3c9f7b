"""The local embedded AWS: moto in-process, real handlers, durable state, one HTTP server.

``soundmosaic up`` starts it; tests start it through the same ``LocalStack`` class.
"""
