"""The samples room: a producer's sample library across the whole collection (docs/samples.md).

It owns the samples index (every sample and stem of an artist with class, confidence, source
track, stem, key, BPM, duration, loudness, tags, stars and name, plus a vector per sample for
similar sounds), search over it, similar sounds and the 2-D map, and the management of single
samples and stems (rename, re-tag, re-class with the correction kept, star, delete). The audio
lab makes the samples (``soundmosaic.audio``: slicing, classifier, sidecars); this room indexes
and manages what it made. Kept light to import: the errors live here, the work in ``index`` and
``service``.
"""

from __future__ import annotations


class SampleNotFound(LookupError):
    """No such sample (or stem) for this artist."""


class StemNotFound(LookupError):
    """The track has no such stem."""
