"""The asset studio: track names, cover artwork, video loops and the artist's artistDNA.

Every model call goes through ModelMosaic (``soundmosaic.providers``); this package never
imports a vendor client. What an artist picks, with its prompt, seed and model, becomes a new
version of their artistDNA document on S3 (``dna``), which is read back to keep new
generations on-style. See docs/studio.md.
"""
