"""Shared builders for the royalty tests: provenance records, statement files, hypothesis settings."""

from __future__ import annotations

import os
from fractions import Fraction

from hypothesis import HealthCheck, settings
from soundmosaic.royalties.provenance import Influence, Provenance, Work, from_basis_points, pro_rata

# Modest by default (CI, 2 shared cores); ROYALTIES_EXAMPLES=2000 for a thorough local run.
PROPERTIES = settings(max_examples=int(os.environ.get("ROYALTIES_EXAMPLES", "150")), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])

HEADER = "track,territory,store,period,plays,amount,currency"


def provenance(track_id: str, isrc: str | None = None, tag: str = "",
               training_holder: str = "label-t") -> Provenance:
    """Ten reference works (influence 1..10 pro rata), two co-writers each at 60/40; three training
    works (60, 30, 10 hours of audio) with one holder each, the first shared by every track."""
    influence = pro_rata({f"w{i}{tag}": i for i in range(1, 11)})
    reference = tuple(
        Influence(Work(f"w{i}{tag}",
                       from_basis_points({f"writer-{i}a{tag}": 6000, f"writer-{i}b{tag}": 4000})),
                  influence[f"w{i}{tag}"])
        for i in range(1, 11))
    data = pro_rata({"t1": 60, "t2": 30, "t3": 10})
    training = (Influence(Work("t1", {training_holder: Fraction(1)}), data["t1"]),
                Influence(Work("t2", {"catalog-2": Fraction(1)}), data["t2"]),
                Influence(Work("t3", {"catalog-3": Fraction(1)}), data["t3"]))
    return Provenance(track_id, reference, training, isrc=isrc)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"
