"""SoundMosaic domain library.

One sub-package per bounded context (``library``, later ``audio``, ``studio``...), the shared
``platform`` core (config, catalogue, storage, tables, jobs, auth) and the local embedded AWS
(``runtime``). The same package is the Lambda layer, the containers' library and the CLI.
"""

__version__ = "0.1.0"
