"""The room bible and digest, rebuilt from the current scripts (docs/writers.md).

The bible is who is who and what happened to them per episode: every speaking character with
lines, scenes and episodes, relationships read from sentences that name two characters and a
relation word (German or English: married, sibling, parent, love, conflict, friends, work), and
a storyline (one beat per episode: the first direction or line about them). Episodes get their
title, cast and a short summary. The digest is the same knowledge as compact text: it is the
long, stable part of Claude's cached prompt prefix.

Both are pure functions of the scripts; ``service`` stores them as versioned objects
(``writers/<room>/bible/v000001.json``, ``.../digest/v000001.txt``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

RELATIONS: dict[str, tuple[str, ...]] = {
    "married": (
        "verheiratet",
        "heiratet",
        "heiraten",
        "ehefrau",
        "ehemann",
        "hochzeit",
        "married",
        "marries",
        "marry",
        "wife",
        "husband",
        "wedding",
    ),
    "engaged": ("verlobt", "verlobung", "engaged", "engagement"),
    "sibling": ("bruder", "schwester", "geschwister", "brother", "sister", "sibling"),
    "parent": ("mutter", "vater", "sohn", "tochter", "mother", "father", "son", "daughter"),
    "love": ("liebt", "verliebt", "küsst", "kuesst", "affäre", "loves", "in love", "kisses", "affair"),
    "conflict": (
        "streitet",
        "hasst",
        "betrügt",
        "erpresst",
        "bedroht",
        "verrät",
        "fights",
        "hates",
        "cheats",
        "blackmails",
        "threatens",
        "betrays",
    ),
    "friends": ("freundin", "freund", "befreundet", "friend"),
    "work": ("chef", "chefin", "kollege", "kollegin", "partner", "boss", "colleague", "business"),
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 2]


def _relation(sentence: str) -> str | None:
    low = sentence.lower()
    for kind, words in RELATIONS.items():
        if any(re.search(rf"\b{re.escape(w)}", low) for w in words):
            return kind
    return None


def build(room_id: str, scripts: list[dict[str, Any]]) -> dict[str, Any]:
    """``scripts``: dicts with document_id, version, episode, title and scenes (as ``parse`` makes
    them, ``asdict``-ed); returns the bible (without its version, which the store assigns)."""
    ordered = sorted(
        scripts, key=lambda s: (s.get("episode") is None, s.get("episode") or 0, s["document_id"])
    )
    names: set[str] = {c for s in ordered for sc in s["scenes"] for c in sc["characters"]}
    lines: dict[str, int] = defaultdict(int)
    scenes: dict[str, int] = defaultdict(int)
    episodes: dict[str, set[int]] = defaultdict(set)
    relations: dict[tuple[str, str, str], int | None] = {}
    story: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
    episode_entries: list[dict[str, Any]] = []
    patterns = {n: re.compile(rf"\b{re.escape(n)}\b", re.IGNORECASE) for n in names}
    for script in ordered:
        ep = script.get("episode")
        cast: list[str] = []
        for scene in script["scenes"]:
            present = list(scene["characters"])
            text = "\n".join([*scene["directions"], *(t for _, t in scene["lines"])])
            for name in names:
                if name not in present and patterns[name].search(text):
                    present.append(name)
            for who in scene["characters"]:
                scenes[who] += 1
            for who, _ in scene["lines"]:
                lines[who] += 1
            for who in present:
                if ep is not None:
                    episodes[who].add(ep)
                if who not in cast:
                    cast.append(who)
            for sentence in sentences(text):
                named = [n for n in present if patterns[n].search(sentence)]
                kind = _relation(sentence) if len(named) >= 2 else None
                if kind:
                    a, b = named[0], named[1]
                    for x, y in ((a, b), (b, a)):
                        relations.setdefault((x, y, kind), ep)
                for who in named:
                    if ep not in story[who]:
                        story[who][ep] = {"episode": ep, "scene": scene["number"], "summary": sentence[:240]}
        summary = " ".join(d for sc in script["scenes"][:3] for d in sc["directions"][:1])[:400]
        if ep is not None:
            episode_entries.append(
                {
                    "episode": ep,
                    "title": script.get("title", ""),
                    "document_id": script["document_id"],
                    "version": script["version"],
                    "scenes": len(script["scenes"]),
                    "characters": cast,
                    "summary": summary,
                }
            )
    characters = []
    for name in sorted(names, key=lambda n: (-lines[n], n)):
        eps = sorted(episodes[name])
        characters.append(
            {
                "name": name,
                "lines": lines[name],
                "scenes": scenes[name],
                "episodes": eps,
                "first_episode": eps[0] if eps else None,
                "last_episode": eps[-1] if eps else None,
                "relationships": [
                    {"character": b, "kind": k, "episode": e}
                    for (a, b, k), e in sorted(relations.items(), key=lambda r: (r[0][1], r[0][2]))
                    if a == name
                ],
                "storyline": [story[name][e] for e in sorted(story[name], key=lambda e: (e is None, e or 0))],
            }
        )
    return {"room_id": room_id, "characters": characters, "episodes": episode_entries}


def digest(bible: dict[str, Any]) -> str:
    """The bible as compact text for the prompt: episodes first (what happened), then characters
    (who they are to each other), both in a fixed order so the same archive gives the same bytes
    (a cache hit needs an identical prefix)."""
    out = ["# Episoden / Episodes"]
    for ep in bible["episodes"]:
        cast = ", ".join(ep["characters"][:12])
        out.append(
            f"Folge {ep['episode']} (v{ep['version']}, {ep['title']}): {ep['summary']} [Figuren: {cast}]"
        )
    out.append("\n# Figuren / Characters")
    for ch in bible["characters"]:
        rel = "; ".join(
            f"{r['kind']} {r['character']} (Folge {r['episode']})" for r in ch["relationships"][:8]
        )
        beats = " | ".join(f"F{b['episode']}/S{b['scene']}: {b['summary']}" for b in ch["storyline"][:40])
        out.append(
            f"## {ch['name']} — {ch['lines']} lines, episodes {ch['first_episode']}-{ch['last_episode']}"
            f"{'; ' + rel if rel else ''}\n{beats}"
        )
    return "\n".join(out)
