"""Catalog: recordings, works and their rights holders, fingerprints, identification, lookups.

``store`` (the song catalog in DynamoDB: works with holders and shares, recordings with ISRC and
Chromaprint fingerprint, search), ``fingerprint`` (``fpcalc`` and the offline inverted-index
matcher), ``lookup`` (one ``CatalogLookup`` interface: the local catalog, Apple Music,
AcoustID/MusicBrainz). Generation identifies its reference songs here; royalties read the
holders from here. See docs/catalog.md.
"""
