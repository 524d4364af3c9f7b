"""SoundMosaic benchmarks.

Each benchmark measures a reference in the same run and reports ratios against it, because the
machines they run on are noisy; absolute milliseconds are recorded but only the ratios are meant
to be compared between runs. ``python -m bench.run`` runs them, writes ``bench/results/*.json``
with the machine they ran on, and updates ``docs/benchmarks.md``. Tests never time anything.
"""
