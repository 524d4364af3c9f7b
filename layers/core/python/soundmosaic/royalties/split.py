"""Split an integer amount among weights by largest remainder; the parts sum exactly to it.

Method (Hamilton's largest remainder): holder ``i`` with weight ``w_i`` has the exact share
``amount * w_i / sum(w)``. Every holder first gets the floor of its share; the units left over
(fewer than the number of holders) go one each to the holders with the largest remainders.

Tie-break, deterministic: equal remainders go to the larger weight first, then by position in
the holder ids sorted ascending and rotated by ``seed`` (``seed % n`` is first). With ``seed=0``
that is plain id order. The ledger passes a number derived from the statement line, so when two
co-writers of a 50/50 work tie on an odd micro, which one gets it varies from line to line
instead of always favouring the same id.

Guarantees (property-tested): the parts sum to the amount; each part is within one unit of its
exact share (strictly less than one away); the result does not depend on the order the weights
were given in; ``split(-a) == -split(a)`` (a refund mirrors the sale); zero weights get zero;
a strictly larger weight never gets less.

All arithmetic is on integers: weights (``int`` or ``Fraction``) are brought to one common
denominator once per ``Splitter``, so splitting a line is ``divmod`` per holder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

Weight = int | Fraction


class SplitError(ValueError):
    pass


class Splitter:
    """Splits amounts among a fixed set of weighted holders; build once per provenance."""

    __slots__ = ("_negated", "holders", "numerators", "total")

    def __init__(self, weights: Mapping[str, Weight]) -> None:
        if not weights:
            raise SplitError("no holders to split among")
        for holder, weight in weights.items():
            if not isinstance(holder, str):
                raise SplitError(f"holder ids are strings, got {holder!r}")
            if isinstance(weight, bool) or not isinstance(weight, int | Fraction):
                raise TypeError(f"weight of {holder!r} is {type(weight).__name__}: use int or Fraction")
            if weight < 0:
                raise SplitError(f"weight of {holder!r} is negative ({weight})")
        self.holders: tuple[str, ...] = tuple(sorted(weights))
        fractions = [Fraction(weights[h]) for h in self.holders]
        denominator = math.lcm(*(f.denominator for f in fractions))
        self.numerators: tuple[int, ...] = tuple(
            f.numerator * (denominator // f.denominator) for f in fractions)
        self.total = sum(self.numerators)
        if self.total == 0:
            raise SplitError("all weights are zero")
        self._negated = tuple(-n for n in self.numerators)

    def parts(self, amount: int, seed: int = 0) -> tuple[int, ...]:
        """Parts of ``amount`` in ``holders`` order."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"amount must be an int of the smallest unit, got {type(amount).__name__}")
        if amount < 0:
            return tuple(-p for p in self.parts(-amount, seed))
        total = self.total
        shares = [divmod(amount * n, total) for n in self.numerators]
        floors = [q for q, _ in shares]
        left = amount - sum(floors)
        if left:
            count = len(self.holders)
            start = seed % count
            # Rank (larger remainder, larger weight, rotated position) as plain tuples: sorted in C.
            ranked = sorted([(-r, self._negated[i], (i - start) % count)
                             for i, (_, r) in enumerate(shares) if r])
            for _, _, position in ranked[:left]:
                floors[(position + start) % count] += 1
        return tuple(floors)

    def split(self, amount: int, seed: int = 0) -> dict[str, int]:
        return dict(zip(self.holders, self.parts(amount, seed), strict=True))

    def share(self, holder: str) -> Fraction:
        """The exact fraction of every amount that ``holder`` is owed."""
        return Fraction(self.numerators[self.holders.index(holder)], self.total)


def split(amount: int, weights: Mapping[str, Weight], seed: int = 0) -> dict[str, int]:
    """One-off split; build a ``Splitter`` to split many amounts among the same weights."""
    return Splitter(weights).split(amount, seed)
