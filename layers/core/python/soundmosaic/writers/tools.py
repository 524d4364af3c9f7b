"""Creative tools over the archive: a continuity check of a draft, a character's arc.

Both work offline from the index and the bible (engine ``offline-archivist-v1``) and add
Claude's reading when a provider is configured (the call is recorded with mode ``tool``).

Continuity, offline: each sentence of the draft is searched in the archive; the best scene's
closest sentence is the evidence. A sentence that shares most of its words with the evidence is
``consistent``; one that shares many but differs in negation ("nicht", "never") or in details
(another place, another person) is a possible ``contradiction``, with the evidence quoted;
anything else is ``unknown`` (not in the archive). A heuristic, and it says so in the reason.
"""

from __future__ import annotations

from typing import Any

from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.writers import archivist, chat
from soundmosaic.writers.arrivals import media
from soundmosaic.writers.bible import sentences
from soundmosaic.writers.index import SceneIndex, terms
from soundmosaic.writers.store import WritersStore

MAX_SENTENCES = 40
_NEGATIONS = frozenset({"nicht", "nie", "niemals", "kein", "keine", "keinen", "not", "never", "no", "n't"})


def _negations(text: str) -> int:
    words = text.lower().replace("n't", " n't").split()
    return sum(w.strip(".,!?;:") in _NEGATIONS for w in words)


def judge(sentence: str, evidence: str, score: float) -> tuple[str, str]:
    mine, theirs = set(terms(sentence)), set(terms(evidence))
    if not mine or score < archivist.THRESHOLD:
        return "unknown", "no scene in the archive is about this"
    shared = len(mine & theirs) / len(mine)
    if shared >= 0.5 and _negations(sentence) != _negations(evidence):
        return "contradiction", "offline heuristic: the archive says the opposite (a negation more or less)"
    if shared >= 0.85:
        return "consistent", "offline heuristic: the archive says the same"
    if shared >= 0.5:
        differ = sorted(mine - theirs)
        return (
            "contradiction",
            f"offline heuristic: the archive tells it differently (here: {', '.join(differ)})",
        )
    return "unknown", "offline heuristic: related scenes exist but none states this"


def continuity(store: WritersStore, user: str, room_id: str, draft: str) -> dict[str, Any]:
    index = SceneIndex(media(), room_id, store)
    findings: list[dict[str, Any]] = []
    hits_all = []
    for sentence in sentences(draft)[:MAX_SENTENCES]:
        hits = index.search(sentence, k=3)
        hits_all += hits[:2]
        best = archivist.best_sentences(sentence, hits[:3], limit=1)
        if best:
            _, hit, evidence = best[0]
            verdict, reason = judge(sentence, evidence, hits[0].score)
            cited = [archivist.citation(hit, evidence)] if verdict != "unknown" else []
        else:
            verdict, reason, cited = "unknown", "no scene in the archive is about this", []
        findings.append({"sentence": sentence, "verdict": verdict, "reason": reason, "evidence": cited})
    text = "\n".join(f"{f['verdict'].upper()}: {f['sentence']}" for f in findings)
    return {
        **_with_claude(
            store,
            user,
            room_id,
            "Prüfe diesen Entwurf auf Widersprüche zum Archiv "
            "(check this draft for continuity errors):\n" + draft,
            hits_all,
            text,
        ),
        "findings": findings,
    }


def arc(store: WritersStore, user: str, room_id: str, character: str) -> dict[str, Any]:
    bible, _ = chat.latest_bible(store, room_id)
    wanted = character.strip().lower()
    found = next((c for c in bible.get("characters", []) if c["name"].lower() == wanted), None)
    if found is None:
        return {
            "engine": archivist.ENGINE,
            "character": character,
            "known": False,
            "beats": [],
            "text": f"{character} does not appear in the archive.",
            "usage": None,
        }
    documents = {e["episode"]: e for e in bible.get("episodes", [])}
    beats = []
    for beat in found["storyline"]:
        episode = documents.get(beat["episode"], {})
        citation = {
            "document": episode.get("title", ""),
            "document_id": episode.get("document_id", ""),
            "episode": beat["episode"],
            "scene": beat["scene"],
            "heading": "",
            "quote": beat["summary"],
            "score": None,
        }
        beats.append({**beat, "citation": citation})
    text = "\n".join(f"Folge {b['episode']}, Szene {b['scene']}: {b['summary']}" for b in beats)
    hits = SceneIndex(media(), room_id, store).search(found["name"], k=5, character=found["name"])
    reply = _with_claude(
        store,
        user,
        room_id,
        f"Fasse den Bogen der Figur {found['name']} zusammen "
        f"(summarise {found['name']}'s arc), Folge für Folge.",
        hits,
        text,
    )
    return {**reply, "character": found["name"], "known": True, "beats": beats}


def _with_claude(
    store: WritersStore, user: str, room_id: str, question: str, hits: list[Any], offline_text: str
) -> dict[str, Any]:
    mosaic = ModelMosaic.from_env()
    entry = mosaic.entry("chat")
    if entry.offline:
        return {"engine": archivist.ENGINE, "text": offline_text, "usage": None}
    reply = chat.ask_claude(
        mosaic, entry, store, room_id, "tool", question, hits[:8], [], lambda _: None, user, max_tokens=1500
    )
    return {"engine": chat.engine_name(entry), "text": reply["text"], "usage": reply["usage"]}
