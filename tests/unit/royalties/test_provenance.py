"""Provenance: exact shares, the 67/33 policy, flattening to one weight per rights holder."""

from __future__ import annotations

from fractions import Fraction

import pytest
from soundmosaic.royalties.provenance import (
    Influence,
    Policy,
    Provenance,
    ProvenanceError,
    Work,
    from_basis_points,
    isrc,
    pro_rata,
    track_ref,
)

from tests.unit.royalties.helpers import provenance


def test_flattened_weights_sum_to_exactly_one_and_follow_the_policy() -> None:
    weights = provenance("trk1").holder_weights()
    assert sum(weights.values()) == 1
    assert all(isinstance(w, Fraction) for w in weights.values())
    # Work 3 had influence 3/55 of the 67 %, and writer 3a holds 60 % of it.
    assert weights["writer-3a"] == Fraction(67, 100) * Fraction(3, 55) * Fraction(3, 5)
    # Training work t1 is 60 % of the training data, and label-t holds all of it.
    assert weights["label-t"] == Fraction(33, 100) * Fraction(6, 10)
    reference = sum(w for h, w in weights.items() if h.startswith("writer-"))
    assert reference == Fraction(67, 100)
    assert len(weights) == 23


def test_a_holder_in_both_pools_gets_both_shares() -> None:
    p = provenance("trk1", training_holder="writer-1a")
    expected = Fraction(67, 100) * Fraction(1, 55) * Fraction(3, 5) + Fraction(33, 100) * Fraction(6, 10)
    assert p.holder_weights()["writer-1a"] == expected
    assert sum(p.holder_weights().values()) == 1


def test_a_configured_policy_is_used() -> None:
    base = provenance("trk1")
    p = Provenance("trk1", base.reference, base.training, policy=Policy(Fraction(1, 2), Fraction(1, 2)))
    assert p.holder_weights()["label-t"] == Fraction(1, 2) * Fraction(6, 10)


def test_a_policy_must_sum_to_one() -> None:
    with pytest.raises(ProvenanceError, match="not exactly 1"):
        Policy(Fraction(67, 100), Fraction(30, 100))


def test_influence_weights_that_do_not_sum_are_an_error() -> None:
    base = provenance("trk1")
    skewed = (Influence(base.reference[0].work, base.reference[0].weight + Fraction(1, 1000)),
              *base.reference[1:])
    with pytest.raises(ProvenanceError, match=r"reference influence weights sum to 1001/1000 \(100.1000%\)"):
        Provenance("trk1", skewed, base.training)


def test_holder_shares_of_a_work_must_sum_to_one() -> None:
    with pytest.raises(ProvenanceError, match="holder shares of work w1 sum to 9999/10000"):
        Work("w1", from_basis_points({"a": 5000, "b": 4999}))


def test_training_shares_must_sum_to_one() -> None:
    base = provenance("trk1")
    with pytest.raises(ProvenanceError, match="training data weights sum to"):
        Provenance("trk1", base.reference, base.training[:2])


def test_the_policy_asks_for_ten_reference_works() -> None:
    base = provenance("trk1")
    with pytest.raises(ProvenanceError, match="has 9 reference works"):
        Provenance("trk1", base.reference[:9], base.training)


def test_training_share_without_training_works_is_an_error() -> None:
    base = provenance("trk1")
    with pytest.raises(ProvenanceError, match="none"):
        Provenance("trk1", base.reference, ())
    only_reference = Provenance("trk1", base.reference, (), policy=Policy(Fraction(1), Fraction(0)))
    assert sum(only_reference.holder_weights().values()) == 1


def test_a_work_listed_twice_is_an_error() -> None:
    base = provenance("trk1")
    twice = (base.reference[0], *base.reference[:9])
    with pytest.raises(ProvenanceError, match="listed twice"):
        Provenance("trk1", twice, base.training)


@pytest.mark.parametrize("bad", [0.5, True])
def test_float_shares_are_refused(bad) -> None:
    with pytest.raises(TypeError):
        Work("w1", {"a": bad, "b": Fraction(1, 2)})


def test_exact_share_inputs() -> None:
    assert Work("w1", {"a": "1/3", "b": "2/3"}).holders == {"a": Fraction(1, 3), "b": Fraction(2, 3)}
    assert pro_rata({"x": 1, "y": "2"}) == {"x": Fraction(1, 3), "y": Fraction(2, 3)}
    with pytest.raises(ProvenanceError, match="zero"):
        pro_rata({"x": 0})
    with pytest.raises(ProvenanceError, match="negative"):
        Work("w1", {"a": "-1", "b": "2"})


def test_round_trip_keeps_every_fraction() -> None:
    p = provenance("trk1", isrc="us-rc1-76-07839")
    again = Provenance.from_dict(p.to_dict())
    assert again.holder_weights() == p.holder_weights()
    assert (again.track_id, again.isrc) == ("trk1", "USRC17607839")


def test_track_references() -> None:
    assert isrc("US-RC1-76-07839") == "USRC17607839"
    assert track_ref(" usrc17607839 ") == "USRC17607839"
    assert track_ref("0190ab12cd34ef5678901234") == "0190ab12cd34ef5678901234"
    with pytest.raises(ProvenanceError, match="neither an ISRC nor a track id"):
        track_ref("a track with spaces")
