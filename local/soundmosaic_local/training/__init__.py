"""Training data and training for the sample classifier (``python -m soundmosaic_local.training.train``)."""
