"""The influence record of a generated track, flattened to one exact weight per rights holder.

A generated track comes from ten reference works (the user's ten songs) and a model trained on
a catalog. The provenance records, exactly (``Fraction``, never float):

- each reference work's **influence weight** (how much it shaped the track; they sum to 1),
- each training-catalog work's **share of the training data** (they sum to 1; ``pro_rata``
  turns raw amounts such as seconds of audio into such shares),
- for every work, its rights holders' shares (sum to 1; ``from_basis_points`` for 10,000ths),
- the policy: 67/100 of a track's royalties to the reference works, 33/100 to the training
  catalog (configurable; the two must sum to exactly 1).

``holder_weights`` multiplies it out:
``w(h) = reference * sum(influence(work) * share(h, work)) + training * sum(data(work) * share(h, work))``
over the works ``h`` holds; it sums to exactly 1, and that is what the royalty split reads.
Shares that do not sum are ``ProvenanceError`` with the sum they came to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

ShareLike = int | Fraction | Decimal | str

_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
# Generated-track and holder ids: the platform's ids (hex, uuid) and resource list ids (``work:123``).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}")


class ProvenanceError(ValueError):
    pass


def isrc(text: str) -> str | None:
    """The normal form (12 characters, upper case, no hyphens) if ``text`` is an ISRC."""
    candidate = text.strip().upper().replace("-", "")
    return candidate if _ISRC.fullmatch(candidate) else None


def track_ref(text: str) -> str:
    """A statement's track: an ISRC (normalised) or a generated-track id (kept as is)."""
    normal = isrc(text)
    if normal:
        return normal
    stripped = text.strip()
    if not _ID.fullmatch(stripped):
        raise ProvenanceError(f"track {stripped[:60]!r} is neither an ISRC nor a track id")
    return stripped


def _id(text: Any, what: str) -> str:
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise ProvenanceError(f"{what} {str(text)[:60]!r} is not a valid id")
    return text


def share(value: ShareLike) -> Fraction:
    """An exact fraction from an int, Fraction, Decimal, or a string ("1/3", "0.25")."""
    if isinstance(value, bool | float):
        raise TypeError(f"{type(value).__name__} is not an exact share: use Fraction, Decimal, int or str")
    try:
        result = Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError) as err:
        raise ProvenanceError(f"share {str(value)[:40]!r} is not an exact number") from err
    if result < 0:
        raise ProvenanceError(f"share {value} is negative")
    return result


def _exact_sum(shares: Mapping[str, Fraction], what: str) -> None:
    total = sum(shares.values(), Fraction(0))
    if total != 1:
        percent = Decimal(total.numerator) / Decimal(total.denominator)
        raise ProvenanceError(f"{what} sum to {total} ({percent:.4%}), not exactly 1")


def from_basis_points(points: Mapping[str, int]) -> dict[str, Fraction]:
    """Shares given in basis points (10,000 = 100 %)."""
    for key, value in points.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProvenanceError(f"basis points of {key!r} must be an int, got {value!r}")
    return {k: Fraction(v, 10_000) for k, v in points.items()}


def pro_rata(amounts: Mapping[str, ShareLike]) -> dict[str, Fraction]:
    """Raw non-negative amounts (seconds of training audio, counts) as exact shares of their sum."""
    exact = {k: share(v) for k, v in amounts.items()}
    total = sum(exact.values(), Fraction(0))
    if total == 0:
        raise ProvenanceError("pro rata over amounts that sum to zero")
    return {k: v / total for k, v in exact.items()}


@dataclass(frozen=True)
class Work:
    """A musical work and its rights holders' shares (sum to exactly 1)."""

    work_id: str
    holders: Mapping[str, ShareLike]  # exact Fractions once built

    def __post_init__(self) -> None:
        _id(self.work_id, "work id")
        if not self.holders:
            raise ProvenanceError(f"work {self.work_id} has no rights holders")
        exact = {_id(h, "holder id"): share(s) for h, s in self.holders.items()}
        _exact_sum(exact, f"holder shares of work {self.work_id}")
        object.__setattr__(self, "holders", exact)


@dataclass(frozen=True)
class Influence:
    """A work and its weight: influence on the track, or share of the training data."""

    work: Work
    weight: Fraction

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", share(self.weight))


@dataclass(frozen=True)
class Policy:
    reference: Fraction = Fraction(67, 100)
    training: Fraction = Fraction(33, 100)
    reference_works: int | None = 10  # how many reference works a track must have (None: any)

    def __post_init__(self) -> None:
        for name in ("reference", "training"):
            object.__setattr__(self, name, share(getattr(self, name)))
        if self.reference + self.training != 1:
            raise ProvenanceError(
                f"policy shares {self.reference} + {self.training} = {self.reference + self.training}, "
                "not exactly 1")


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Provenance:
    """Where a generated track's royalties go. Versions are assigned by the store."""

    track_id: str
    reference: tuple[Influence, ...]
    training: tuple[Influence, ...] = ()
    policy: Policy = DEFAULT_POLICY
    isrc: str | None = None
    version: int = 0
    recorded_at: str | None = None
    recorded_by: str | None = None
    # The platform's check of the reference weights against the influence measured on the track
    # (``generation.influence.review``): requested, measured, distance, verdict. The split reads
    # ``reference``; a flagged check is for a royalty admin to review.
    influence_check: Mapping[str, Any] | None = field(default=None, compare=False)
    _weights: dict[str, Fraction] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _id(self.track_id, "track id")
        if self.isrc is not None:
            normal = isrc(self.isrc)
            if not normal:
                raise ProvenanceError(f"isrc {self.isrc!r} is not an ISRC")
            object.__setattr__(self, "isrc", normal)
        object.__setattr__(self, "reference", tuple(self.reference))
        object.__setattr__(self, "training", tuple(self.training))
        expected = self.policy.reference_works
        if expected is not None and len(self.reference) != expected:
            raise ProvenanceError(f"track {self.track_id} has {len(self.reference)} reference works, "
                                  f"the policy asks for {expected}")
        for pool, share_of_royalties, what in ((self.reference, self.policy.reference, "reference influence"),
                                               (self.training, self.policy.training, "training data")):
            ids = [i.work.work_id for i in pool]
            if len(set(ids)) != len(ids):
                raise ProvenanceError(f"{what}: a work is listed twice")
            if pool:
                _exact_sum({i.work.work_id: i.weight for i in pool}, f"{what} weights")
            elif share_of_royalties:
                raise ProvenanceError(f"{share_of_royalties} of royalties go to the {what.split()[0]} "
                                      "works, but there are none")
        object.__setattr__(self, "_weights", self._flatten())

    def _flatten(self) -> dict[str, Fraction]:
        weights: dict[str, Fraction] = {}
        for pool, pool_share in ((self.reference, self.policy.reference),
                                 (self.training, self.policy.training)):
            for influence in pool:
                for holder, holder_share in influence.work.holders.items():
                    part = pool_share * influence.weight * share(holder_share)
                    weights[holder] = weights.get(holder, Fraction(0)) + part
        weights = {h: w for h, w in weights.items() if w}
        assert sum(weights.values(), Fraction(0)) == 1, "shares checked above sum to 1"
        return weights

    def holder_weights(self) -> dict[str, Fraction]:
        """One exact weight per rights holder with a non-zero share; they sum to exactly 1."""
        return dict(self._weights)

    # -- serialisation (fractions as "n/d" strings: exact, and no float on the way) -------------

    def to_dict(self) -> dict[str, Any]:
        def pool(items: Iterable[Influence]) -> list[dict[str, Any]]:
            return [{"work_id": i.work.work_id, "weight": str(i.weight),
                     "holders": {h: str(s) for h, s in sorted(i.work.holders.items())}} for i in items]

        return {
            "track_id": self.track_id, "isrc": self.isrc, "version": self.version,
            "recorded_at": self.recorded_at, "recorded_by": self.recorded_by,
            "policy": {"reference": str(self.policy.reference), "training": str(self.policy.training),
                       "reference_works": self.policy.reference_works},
            "reference": pool(self.reference), "training": pool(self.training),
            **({"influence_check": dict(self.influence_check)} if self.influence_check else {}),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Provenance:
        def pool(items: Iterable[Mapping[str, Any]]) -> tuple[Influence, ...]:
            return tuple(Influence(Work(i["work_id"], {h: Fraction(s) for h, s in i["holders"].items()}),
                                   Fraction(i["weight"])) for i in items)

        policy = data.get("policy") or {}
        works = policy.get("reference_works", 10)
        return Provenance(
            track_id=data["track_id"], isrc=data.get("isrc"), version=int(data.get("version") or 0),
            recorded_at=data.get("recorded_at"), recorded_by=data.get("recorded_by"),
            policy=Policy(Fraction(policy.get("reference", "67/100")),
                          Fraction(policy.get("training", "33/100")), None if works is None else int(works)),
            reference=pool(data.get("reference", [])), training=pool(data.get("training", [])),
            influence_check=data.get("influence_check"),
        )
