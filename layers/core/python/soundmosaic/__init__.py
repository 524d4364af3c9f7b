"""SoundMosaic domain library: what runs in AWS (the Lambda layer and the images' library).

One sub-package per bounded context: ``library``, ``audio``, ``studio``, ``catalog``,
``generation``, ``publishing``, ``royalties``, the shared ``providers`` (ModelMosaic) and the
``platform`` core (resources, config, storage, jobs, auth). Each package's docstring says what
it owns and names its docs page; docs/architecture.md draws the map. What runs only on a laptop
(the local runtime, the CLI, fixtures, training, evaluation) is ``soundmosaic_local``, never
imported from here.
"""

__version__ = "0.1.0"
