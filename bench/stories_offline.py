"""The stories room offline, per album: ``python -m bench.stories_offline``.

For albums of N songs (default 1, 3 and 5), time the offline path the ``stories_make``
workflow runs, in one process and without AWS (the steps' S3 reads and writes are not timed):
reading the album (``story.plan``), writing every story (``story.write`` with the offline
engine), and both collages per song (``collage.render`` at 2048 x 2048 and 1152 x 2048 from a
600 x 600 cover and one photo), then the contact sheet. Lyrics are generated from the studio's
name lexicons (12 lines a song, shared motifs across songs) so every song links to others.
Reported: seconds per album, per song, and the split between stories and collages. The
workflow runs songs two at a time (``MaxConcurrency: 2``) on a 2-core machine, so wall time
there is about this total divided by the cores left free.

Writes ``bench/results/stories_offline.json`` and the section of ``docs/benchmarks.md``
(``--no-record`` prints only; ``--songs 1 3 5`` chooses the album sizes).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from typing import Any

import numpy as np
from PIL import Image
from soundmosaic.providers import ModelMosaic
from soundmosaic.providers.offline import lexicon
from soundmosaic.stories import collage, lyrics, story
from soundmosaic.studio import artwork

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    add_index_row,
    machine,
    machine_line,
    replace_section,
    table,
)

NAME = "stories_offline"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
INDEX_ROW = ("| stories room offline: seconds per album of 1/3/5 songs (stories + 2048 and 9:16 collages) "
             f"| `python -m bench.{NAME}` | `bench/results/{NAME}.json` | [stories.md](stories.md) |")
TEMPLATES = ("I walk the {a} {n} tonight", "My {n} is {a} and {a2}", "You left the {n} by the {n2}",
             "We {v} the {n} until the morning", "The {a} {n} will {v} again", "I {v} your {n} in the rain",
             "Marie, the {n} is {a} now", "We were {a} in Lisbon", "Every {n} I {v} is {a}",
             "I cry for the {n} and the {n2}", "Hold the {n} and never let go", "The {n2} is home")


def _image(seed: int, side: int = 600) -> bytes:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    base = np.stack([xx, yy, 1 - xx], -1) * rng.uniform(80, 255, 3)
    disc = (xx - rng.uniform(0.3, 0.7)) ** 2 + (yy - 0.5) ** 2 < 0.06
    base[disc] = rng.uniform(0, 255, 3)
    out = io.BytesIO()
    Image.fromarray(base.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def album(songs: int, seed: int = 1) -> lyrics.Album:
    rng = random.Random(seed)
    lx = lexicon.MOODS["melancholic"]
    nouns = [*lx.nouns, *lexicon.GENERAL.nouns[:8]]
    entries = []
    for n in range(songs):
        lines = [t.format(a=rng.choice(lx.adjectives), a2=rng.choice(lx.adjectives), n=rng.choice(nouns),
                          n2=rng.choice(nouns), v=rng.choice(lx.verbs)) for t in TEMPLATES]
        entries.append({"title": f"Song {n + 1}", "lyrics": "\n".join(lines)})
    return lyrics.album({"title": "Bench Album", "artist_name": "Bench", "description": "", "songs": entries})


def run_album(songs: int, cover: bytes, photo: bytes) -> dict[str, Any]:
    mosaic = ModelMosaic.from_env(env={})
    started = time.perf_counter()
    plan = story.plan(album(songs))
    told = [story.write(mosaic, plan, i) for i in range(songs)]
    stories_s = time.perf_counter() - started
    square_s, story_s, thumbs = 0.0, 0.0, []
    for entry in told:
        brief = collage.Brief(entry["title"], entry["quotes"][0], entry["mood"], tuple(entry["motifs"]),
                              entry["sentiment"], seed=entry["index"])
        t0 = time.perf_counter()
        png, _ = collage.render(cover, brief, collage.SQUARE, [photo])
        t1 = time.perf_counter()
        collage.render(cover, brief, collage.STORY, [photo])
        t2 = time.perf_counter()
        square_s, story_s = square_s + t1 - t0, story_s + t2 - t1
        thumbs.append(artwork.Tile(entry["title"], entry["mood"], png))
    t3 = time.perf_counter()
    artwork.contact_sheet("bench", thumbs)
    sheet_s = time.perf_counter() - t3
    total = time.perf_counter() - started
    return {"songs": songs, "total_s": round(total, 2), "per_song_s": round(total / songs, 2),
            "stories_s": round(stories_s, 3), "square_collages_s": round(square_s, 2),
            "story_collages_s": round(story_s, 2), "contact_sheet_s": round(sheet_s, 2),
            "links": sum(len(links) for links in plan.links)}


def run(sizes: list[int], log: Any) -> dict[str, Any]:
    cover, photo = _image(1), _image(2)
    collage.render(cover, collage.Brief("warm", "up", "calm"), (256, 256))  # imports and fonts
    results = []
    for songs in sizes:
        log(f"album of {songs} songs ...")
        results.append(run_album(songs, cover, photo))
        log(f"  {results[-1]}")
    return {"benchmark": NAME, "machine": machine(), "albums": results}


def markdown(result: dict[str, Any]) -> str:
    rows = [(r["songs"], r["total_s"], r["per_song_s"], r["stories_s"], r["square_collages_s"],
             r["story_collages_s"], r["contact_sheet_s"], r["links"]) for r in result["albums"]]
    return "\n".join([
        f"## Stories room: an album offline (`python -m bench.{NAME}`)", "",
        f"Machine: {machine_line(result['machine'])}.", "",
        "One process, no AWS: the album read once, every story written by the offline engine, both "
        "collages per song (2048 x 2048 and 1152 x 2048) by the offline renderer, the contact sheet.", "",
        table(["songs", "album s", "s per song", "stories s (all)", "2048 collages s", "9:16 collages s",
               "contact sheet s", "links found"], rows), ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.songs, lambda m: print(m, file=sys.stderr, flush=True))
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row(f"bench.{NAME}", INDEX_ROW)
        replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
        print(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
