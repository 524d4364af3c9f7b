"""Scoring what the deployed code produces, for tests, benchmarks and training reports.

``wer`` (word error rate of lyrics), ``separation`` (signal-to-distortion ratio of stems),
``samples`` (the sample classifier's held-out set and its metrics) and ``machine`` (the machine a
measurement ran on). Nothing deployed calls these: they live here, not in ``soundmosaic``.
"""
