"""The room's scene index in S3: chunk by scene, embed, store vectors + metadata, search exactly.

Layout under the media bucket (docs/writers.md):

- ``writers/<room>/documents/<document>/script.json``: the parsed script (``parse.Script``)
- ``writers/<room>/index/<document>.json`` + ``.npy``: that document's chunks and their vectors
- which documents are current: ``CURRENT#`` items in the writers table (one per episode: a
  revision replaces its episode's chunks; documents without an episode number stand alone)

Search is exact: every current chunk's vector times the query's (a 50-episode archive is a few
thousand rows of 256 floats, milliseconds of numpy), blended with a lexical score, because
names, places and numbers are what writers ask about and average-pooled embeddings blur them.
Loaded document indexes are kept in the process, keyed by their S3 ETag.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from soundmosaic.platform.s3json import ObjectMissing, S3Json
from soundmosaic.writers import embed
from soundmosaic.writers.parse import Script
from soundmosaic.writers.store import WritersStore, room_pk

CHUNK_CHARS = 1800
SEMANTIC_WEIGHT = 0.45  # the rest is lexical: see search()
_STOP = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "sie",
        "ich",
        "du",
        "er",
        "mit",
        "auf",
        "ein",
        "eine",
        "einen",
        "einem",
        "zu",
        "den",
        "dem",
        "von",
        "hat",
        "sich",
        "wir",
        "was",
        "aber",
        "noch",
        "auch",
        "wer",
        "wen",
        "wem",
        "wessen",
        "wie",
        "wo",
        "wann",
        "warum",
        "welche",
        "welcher",
        "welches",
        "im",
        "in",
        "an",
        "am",
        "bei",
        "für",
        "fur",
        "aus",
        "nach",
        "über",
        "uber",
        "um",
        "als",
        "oder",
        "so",
        "es",
        "ihr",
        "ihre",
        "ihren",
        "sein",
        "seine",
        "seinen",
        "war",
        "waren",
        "wird",
        "wurde",
        "hatte",
        "haben",
        "the",
        "and",
        "is",
        "not",
        "she",
        "he",
        "you",
        "with",
        "on",
        "a",
        "an",
        "to",
        "of",
        "has",
        "we",
        "what",
        "but",
        "still",
        "also",
        "it",
        "was",
        "her",
        "his",
        "they",
        "that",
        "who",
        "whom",
        "whose",
        "how",
        "where",
        "when",
        "why",
        "which",
        "in",
        "at",
        "by",
        "for",
        "from",
        "after",
        "about",
        "as",
        "or",
        "so",
        "its",
        "their",
        "did",
        "does",
        "do",
        "were",
        "be",
        "been",
        "episode",
        "folge",
        "scene",
        "szene",
    ]
)


def terms(text: str) -> list[str]:
    """Lower-case content words, cut to 6 letters so 'heiratet'/'heiraten' and 'married'/'marry'
    meet (a crude stem that works for both languages)."""
    words = re.findall(r"[a-zäöüß0-9]+", text.lower())
    return [w[:6] for w in words if w not in _STOP and (len(w) > 2 or w.isdigit())]


@dataclass
class Hit:
    score: float
    chunk: dict[str, Any]


def chunks_of(script: Script, document_id: str, filename: str, version: int) -> list[dict[str, Any]]:
    """One chunk per scene; a long scene in parts of about ``CHUNK_CHARS`` (each keeps its heading)."""
    out: list[dict[str, Any]] = []
    for scene in script.scenes:
        body = scene.text.split("\n")[1:]
        part: list[str] = []
        parts: list[list[str]] = []
        for line in body:
            if part and sum(len(x) for x in part) + len(line) > CHUNK_CHARS:
                parts.append(part)
                part = []
            part.append(line)
        parts.append(part)
        for n, lines in enumerate(parts):
            out.append(
                {
                    "document_id": document_id,
                    "document": filename,
                    "episode": script.episode,
                    "version": version,
                    "scene": scene.number,
                    "part": n,
                    "heading": scene.heading,
                    "characters": scene.characters,
                    "text": "\n".join([scene.heading, *lines]),
                }
            )
    return out


class SceneIndex:
    """A room's index: write a document's chunks, switch the manifest, search the current ones."""

    _cache: dict[str, tuple[str, list[dict[str, Any]], np.ndarray]] = {}

    def __init__(self, bucket: S3Json, room_id: str, store: WritersStore | None = None) -> None:
        self.s3, self.room_id, self.store = bucket, room_id, store
        self.prefix = f"writers/{room_id}/index/"

    def write(self, document_id: str, chunks: list[dict[str, Any]]) -> int:
        vectors = embed.embed([c["text"] for c in chunks])
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        self.s3.put_bytes(f"{self.prefix}{document_id}.npy", buffer.getvalue(), "application/octet-stream")
        self.s3.put_json(f"{self.prefix}{document_id}.json", {"model": embed.MODEL, "chunks": chunks})
        return len(chunks)

    def manifest(self) -> dict[str, Any]:
        """The current documents: ``{"documents": {id: {episode, version}}}``."""
        items = self.store.query(room_pk(self.room_id), "CURRENT#") if self.store else []
        return {
            "documents": {
                i["document_id"]: {"episode": i.get("episode"), "version": i["version"]} for i in items
            }
        }

    def activate(self, document_id: str, episode: int | None, version: int) -> str | None:
        """Make the document current; returns the document it replaced for that episode, if any,
        or the document itself when a newer revision is already current (it arrived late).
        One DynamoDB item per episode, written only over an older revision: parallel intakes
        of one room cannot lose each other's documents."""
        assert self.store is not None
        slot = f"CURRENT#E{episode:06d}" if episode is not None else f"CURRENT#D{document_id}"
        before = self.store.get(room_pk(self.room_id), slot)
        try:
            self.store.table.put_item(
                Item={
                    "pk": room_pk(self.room_id),
                    "sk": slot,
                    "document_id": document_id,
                    "version": version,
                    **({"episode": episode} if episode is not None else {}),
                },
                # An older revision is replaced; the same document again (a re-run) is no change.
                ConditionExpression="attribute_not_exists(pk) OR #v < :v OR document_id = :d",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":v": version, ":d": document_id},
            )
        except self.store.table.meta.client.exceptions.ConditionalCheckFailedException:
            return document_id
        if before and before["document_id"] != document_id:
            return str(before["document_id"])
        return None

    def _load(self, document_id: str) -> tuple[list[dict[str, Any]], np.ndarray]:
        key = f"{self.prefix}{document_id}"
        etag = self.s3.s3.head_object(Bucket=self.s3.bucket, Key=f"{key}.npy")["ETag"]
        cached = self._cache.get(key)
        if cached and cached[0] == etag:
            return cached[1], cached[2]
        vectors = np.load(io.BytesIO(self.s3.get_bytes(f"{key}.npy")), allow_pickle=False)
        chunks = self.s3.get_json(f"{key}.json")["chunks"]
        self._cache[key] = (etag, chunks, vectors)
        return chunks, vectors

    def current(self) -> tuple[list[dict[str, Any]], np.ndarray]:
        chunks: list[dict[str, Any]] = []
        blocks: list[np.ndarray] = []
        for document_id in sorted(self.manifest().get("documents", {})):
            try:
                c, v = self._load(document_id)
            except ObjectMissing:
                continue
            chunks.extend(c)
            blocks.append(v)
        return chunks, (np.vstack(blocks) if blocks else np.zeros((0, embed.DIM), np.float32))

    def search(self, query: str, k: int = 5, character: str | None = None) -> list[Hit]:
        chunks, vectors = self.current()
        return rank(query, chunks, vectors, k, character)


def rank(
    query: str, chunks: list[dict[str, Any]], vectors: np.ndarray, k: int = 5, character: str | None = None
) -> list[Hit]:
    """Exact search: cosine similarity blended with the share of the query's terms in the chunk
    (rarer terms weigh more: an idf over the chunks searched)."""
    if not chunks:
        return []
    semantic = vectors @ embed.embed([query])[0]
    wanted = list(dict.fromkeys(terms(query)))
    chunk_terms = [set(terms(c["text"] + " " + " ".join(c.get("characters", [])))) for c in chunks]
    idf = {t: float(np.log(1 + len(chunks) / (1 + sum(t in ct for ct in chunk_terms)))) for t in wanted}
    total = sum(idf.values()) or 1.0
    lexical = np.array([sum(idf[t] for t in wanted if t in ct) / total for ct in chunk_terms])
    scores = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical
    if character:
        who = character.lower()
        scores = scores + np.array(
            [
                0.3
                if any(who == c.lower() for c in ch.get("characters", [])) or who in ch["text"].lower()
                else -1.0
                for ch in chunks
            ]
        )
    order = np.argsort(-scores)[:k]
    return [Hit(float(scores[i]), chunks[i]) for i in order]
