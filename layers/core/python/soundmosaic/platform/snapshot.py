"""One version of one artist's search index in memory (``platform.search``): rows newest first,
postings per word, numpy columns for equality and range filters, vectors for similarity.
"""

from __future__ import annotations

import bisect
import io
import json
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from soundmosaic.platform.search import Query, Schema


class Snapshot:
    """One version of one artist's index, immutable; ``apply`` makes the next one."""

    def __init__(
        self, schema: Schema, rows: Sequence[dict[str, Any]], vectors: np.ndarray | None = None
    ) -> None:
        self.schema = schema
        # Newest first: ids are time-ordered, so descending id order.
        order = sorted(range(len(rows)), key=lambda i: rows[i][schema.id_field], reverse=True)
        self.rows = [rows[i] for i in order]
        if schema.vector_dim:
            base = vectors if vectors is not None else np.zeros((len(rows), schema.vector_dim), np.float16)
            self.vectors = np.asarray(base, np.float16)[order] if len(rows) else base.astype(np.float16)
        else:
            self.vectors = np.zeros((len(rows), 0), np.float16)

    def __len__(self) -> int:
        return len(self.rows)

    # -- derived structures, built once per snapshot on first use --------------------------------

    @cached_property
    def ids(self) -> list[str]:
        return [r[self.schema.id_field] for r in self.rows]

    @cached_property
    def position(self) -> dict[str, int]:
        return {i: n for n, i in enumerate(self.ids)}

    @cached_property
    def _ascending(self) -> list[str]:
        return self.ids[::-1]

    @cached_property
    def _postings(self) -> tuple[list[str], list[np.ndarray]]:
        lists: dict[str, list[int]] = {}
        for n, row in enumerate(self.rows):
            for word in set(self.schema.words(row)):
                lists.setdefault(word, []).append(n)
        tokens = sorted(lists)
        return tokens, [np.asarray(lists[t], np.int32) for t in tokens]

    @cached_property
    def _labels(self) -> dict[str, tuple[dict[str, int], np.ndarray]]:
        """Per equality field: its values' codes and one code per row (int comparisons are
        ten times faster than comparing 100,000 strings)."""
        out = {}
        for f in self.schema.labels:
            codes: dict[str, int] = {}
            column = np.asarray(
                [codes.setdefault(str(r.get(f) or "").casefold(), len(codes)) for r in self.rows], np.int32
            )
            out[f] = (codes, column)
        return out

    def _equal(self, name: str, value: str) -> np.ndarray:
        codes, column = self._labels[name]
        code = codes.get(value.casefold())
        return column == code if code is not None else np.zeros(len(self.rows), bool)

    @cached_property
    def _numbers(self) -> dict[str, np.ndarray]:
        def number(value: Any) -> float:
            return (
                float(value)
                if isinstance(value, int | float) and not isinstance(value, bool)
                else float(bool(value))
                if isinstance(value, bool)
                else np.nan
            )

        return {
            f: np.asarray([number(r.get(f)) for r in self.rows], np.float64) for f in self.schema.numbers
        }

    def differs(self, name: str, value: str) -> np.ndarray:
        """Rows whose equality field ``name`` is not ``value``."""
        return ~self._equal(name, value)

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Vectors as float32 of length 1 (zero rows stay zero), for cosine similarity."""
        v = self.vectors.astype(np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)

    @cached_property
    def _has_vector(self) -> np.ndarray:
        return np.asarray(self.unit_vectors.any(axis=1))

    def warm(self) -> Snapshot:
        """Build every derived structure now (after a load), not in the first request."""
        _ = self.position, self._ascending, self._postings, self._labels, self._numbers
        if self.schema.vector_dim:
            _ = self.unit_vectors, self._has_vector
        return self

    # -- queries ------------------------------------------------------------------------------------

    def _word_mask(self, word: str, exact: bool = False) -> np.ndarray:
        tokens, postings = self._postings
        lo = bisect.bisect_left(tokens, word)
        # Every token that starts with the word (or only the word itself).
        hi = bisect.bisect_right(tokens, word) if exact else bisect.bisect_left(tokens, word + "\uffff")
        mask = np.zeros(len(self.rows), bool)
        for p in postings[lo:hi]:
            mask[p] = True
        return mask

    def mask(self, query: Query) -> np.ndarray:
        """Which rows match every word, equality and range of ``query``."""
        mask = np.ones(len(self.rows), bool)
        for word in query.words:
            mask &= self._word_mask(word)
        for term in query.terms:
            mask &= self._word_mask(term, exact=True)
        for name, value in query.equal.items():
            mask &= self._equal(name, value)
        for name, (lo, hi) in query.ranges.items():
            column = self._numbers[name]
            if lo is not None:
                mask &= column >= lo
            if hi is not None:
                mask &= column <= hi
        return mask

    def page(
        self, query: Query, limit: int, after: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` matching rows, newest first, after the row whose id is ``after``."""
        start = len(self.rows) - bisect.bisect_left(self._ascending, after) if after else 0
        hits = np.flatnonzero(self.mask(query)[start:])[: limit + 1] + start
        rows = [self.rows[i] for i in hits[:limit]]
        more = len(hits) > limit
        return rows, rows[-1][self.schema.id_field] if more and rows else None

    def nearest(
        self, row_id: str, limit: int, where: np.ndarray | None = None
    ) -> list[tuple[dict[str, Any], float]]:
        """The ``limit`` rows most similar to ``row_id`` (cosine), nearest first, itself excluded;
        ``where`` restricts the candidates. Exact: one matrix-vector product."""
        n = self.position[row_id]
        scores = self.unit_vectors @ self.unit_vectors[n]
        allowed = np.ones(len(self.rows), bool) if where is None else where.copy()
        allowed[n] = False
        allowed &= self._has_vector
        candidates = np.flatnonzero(allowed)
        if not len(candidates):
            return []
        k = min(limit, len(candidates))
        top = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.rows[i], float(scores[i])) for i in top]

    @cached_property
    def projection(self) -> np.ndarray:
        """A 2-D map of the vectors (PCA: the two directions of most variance), one point per row."""
        v = self.unit_vectors
        if len(v) < 3:
            return np.zeros((len(v), 2), np.float32)
        centred = v - v.mean(axis=0)
        _, vecs = np.linalg.eigh(centred.T @ centred)
        return (centred @ vecs[:, ::-1][:, :2]).astype(np.float32)

    # -- changes ------------------------------------------------------------------------------------

    def apply(
        self,
        put: Sequence[dict[str, Any]] = (),
        delete: Iterable[str] = (),
        vectors: np.ndarray | None = None,
    ) -> Snapshot:
        """The next snapshot: rows ``put`` (with ``vectors`` aligned to them, or their old vectors
        when ``None``) replace rows of the same id; ids in ``delete`` go."""
        key = self.schema.id_field
        gone = set(delete) | {r[key] for r in put}
        kept = [n for n, i in enumerate(self.ids) if i not in gone]
        rows = [self.rows[n] for n in kept] + list(put)
        if not self.schema.vector_dim:
            return Snapshot(self.schema, rows)
        if vectors is None:
            old = self.position
            vectors = (
                np.stack(
                    [
                        self.vectors[old[r[key]]]
                        if r[key] in old
                        else np.zeros(self.schema.vector_dim, np.float16)
                        for r in put
                    ]
                )
                if put
                else np.zeros((0, self.schema.vector_dim), np.float16)
            )
        added = np.asarray(vectors, np.float16).reshape(len(put), self.schema.vector_dim)
        matrix = np.concatenate([self.vectors[kept], added])
        return Snapshot(self.schema, rows, matrix)

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        rows = np.frombuffer(json.dumps(self.rows, separators=(",", ":")).encode(), np.uint8)
        np.savez(buffer, rows=rows, vectors=self.vectors)
        return buffer.getvalue()

    @staticmethod
    def loads(schema: Schema, data: bytes) -> Snapshot:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            rows = json.loads(archive["rows"].tobytes())
            vectors = archive["vectors"] if schema.vector_dim else None
        return Snapshot(schema, rows, vectors)
