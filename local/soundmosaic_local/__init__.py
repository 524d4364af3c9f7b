"""What runs only on a laptop or in development; installed locally and in tests, never deployed.

``runtime`` (the embedded AWS: moto, the real handlers, durable state, one HTTP server),
``cli`` (the ``soundmosaic`` command), ``dev_tokens`` (the local stand-in for Cognito's
tokens), ``http_server`` (the threaded local server every local
HTTP service runs on, and the base of local stand-ins), ``fixtures`` (the demo catalog, the
sandbox distributor, test mixes with known stems), ``training`` (the sample classifier's data
and training) and ``evaluation`` (scores: WER, SDR, the classifier's held-out metrics). The
deployed library is ``soundmosaic`` in ``layers/core/python``; nothing there imports this package.
"""
