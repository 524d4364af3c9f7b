"""The audio lab: decode, separate into stems, MIDI, lyrics, samples, analysis and DAW export.

Compute modules here take and return numpy arrays shaped ``(channels, samples)`` in float32
with an explicit sample rate; they never touch S3 or boto3. ``pipeline`` moves data between
them and storage.
See docs/audio-separation.md and docs/audio-midi-lyrics.md.
"""
