"""The offline archivist (engine ``offline-archivist-v1``): answers from the index without a model.

Retrieval (``index.rank``) finds the scenes; below ``THRESHOLD`` the answer is "not in the
archive". Otherwise the answer is extractive: the sentences of the best scenes that share the
most (rare) words with the question, each with its episode and scene, never text of its own.
It is clearly weaker than Claude (no reasoning across scenes, no paraphrase) and says which
engine answered. See docs/writers.md for its measured recall.
"""

from __future__ import annotations

import re
from typing import Any

from soundmosaic.writers.bible import sentences
from soundmosaic.writers.index import Hit, terms
from soundmosaic.writers.parse import detect_language

ENGINE = "offline-archivist-v1"
THRESHOLD = 0.27  # blended score (0.45 cosine + 0.55 term share); chosen on the question set (bench)
CONFIDENT = 0.45  # above this the best scene answers even if a name of the question is missing
NOT_IN_ARCHIVE = {"de": "Das steht nicht im Archiv.", "en": "That is not in the archive."}


def citation(hit: Hit, quote: str) -> dict[str, Any]:
    c = hit.chunk
    return {
        "document": c["document"],
        "document_id": c["document_id"],
        "episode": c.get("episode"),
        "scene": c["scene"],
        "heading": c["heading"],
        "quote": quote[:400],
        "score": round(hit.score, 4),
    }


def best_sentences(question: str, hits: list[Hit], limit: int = 3) -> list[tuple[float, Hit, str]]:
    wanted = set(terms(question))
    scored: list[tuple[float, Hit, str]] = []
    for rank, hit in enumerate(hits):
        for sentence in sentences("\n".join(hit.chunk["text"].split("\n")[1:])):
            found = wanted & set(terms(sentence))
            if found:
                # Overlap first, then the scene's retrieval rank, then shorter (more precise) sentences.
                scored.append((len(found) + hit.score - 0.01 * rank - len(sentence) / 10_000, hit, sentence))
    scored.sort(key=lambda s: -s[0])
    out: list[tuple[float, Hit, str]] = []
    for item in scored:
        if all(item[2] != o[2] for o in out):
            out.append(item)
        if len(out) == limit:
            break
    return out


def missing_names(question: str, hits: list[Hit]) -> list[str]:
    """Capitalised words of the question (names, things: 'Zeppelin') that none of the retrieved
    scenes contains. Retrieval ranks every scene with such a word high, so a name missing from
    all of the top scenes is missing from the archive."""
    words = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-ZÄÖÜ][a-zäöüß]{3,})", question.strip())
    text = " ".join(h.chunk["text"] for h in hits).lower()
    return [w for w in words if terms(w) and w.lower()[:6] not in text]


def answer(question: str, hits: list[Hit]) -> dict[str, Any]:
    language = detect_language(question)
    if not hits or hits[0].score < THRESHOLD or (hits[0].score < CONFIDENT and missing_names(question, hits)):
        return {"text": NOT_IN_ARCHIVE[language], "citations": [], "not_in_archive": True, "engine": ENGINE}
    strong = [h for h in hits if h.score >= max(THRESHOLD, hits[0].score * 0.8)][:3]
    picked = best_sentences(question, strong) or [(0.0, strong[0], _first_line(strong[0]))]
    lines = []
    citations = []
    for _, hit, sentence in picked:
        c = citation(hit, sentence)
        label = (
            f"Folge {c['episode']}, Szene {c['scene']}"
            if language == "de"
            else f"Episode {c['episode']}, scene {c['scene']}"
        )
        lines.append(f"{sentence} [{label}: {c['heading']}]")
        citations.append(c)
    intro = "Im Archiv:" if language == "de" else "From the archive:"
    return {
        "text": intro + "\n" + "\n".join(f"• {line}" for line in lines),
        "citations": citations,
        "not_in_archive": False,
        "engine": ENGINE,
    }


def _first_line(hit: Hit) -> str:
    body = [line for line in hit.chunk["text"].split("\n")[1:] if line.strip()]
    return re.sub(r"\s+", " ", body[0] if body else hit.chunk["heading"])[:300]
