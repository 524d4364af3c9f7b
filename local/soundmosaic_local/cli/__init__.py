"""``soundmosaic``: run the platform locally and drive it from a terminal.

up                  start everything (moto, handlers, HTTP API + SPA, drop folder, schedules)
status              is a local stack running, where, and what does it hold
ingest FILE...      upload files through the API with a progress bar and follow their jobs
process FILE        ingest a song, run the audio lab, write the DAW export zip (path printed last)
artwork batch CSV   cover artwork for every track of a CSV, contact sheet written (path printed last)
jobs                the newest jobs of an artist
schedule run NAME   fire a schedule (e.g. weekly-refresh) now
token               print a dev token for an artist (--artist) or a rights holder (--holder)
catalog demo        load the 16-song offline demo catalog (audio path printed)
catalog add AUDIO   fingerprint one recording and put it, with its work's rights holders, in the catalog
writers ingest FILE... --room ROOM   scripts into a writers' room, waiting until they are indexed
writers ask "QUESTION" --room ROOM   ask the room's archive (--json: answer, citations, engine)
stories make ALBUM.json --out DIR   a story and collages per song (stories.json path printed last)
sieb ask QUESTION   answer a stock/supply-chain question from MongoDB (--json: one JSON object)
sieb load DIR       load <collection>.jsonl files (Extended JSON) as the artist's Sieb collections
albums dream "CONCEPT" --tracks N --out DIR   plan and generate an album (site zip path printed last)
albums sql "SELECT ..."   one read-only query over the artist's albums database
booth swap PHOTO --template CLIP --out DIR     face swap: video path, then print image path, printed last
booth background CLIP --template BG --out DIR  background replacement: the composite's path printed last
booth mail          the mails the local mail catcher caught (the booth's delivery)

Commands other than ``up`` use the stack that ``up`` started (found through
``<data>/runtime.json``); when none runs they start one in-process for their own duration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from soundmosaic_local.cli import admin, albums, artwork, booth, catalog, ingest, sieb, stories, up, writers
from soundmosaic_local.cli.common import default_artist
from soundmosaic_local.runtime.stack import DEFAULT_ARTIST, default_data_dir

# each adds its commands and their handlers
COMMAND_GROUPS = (up, ingest, artwork, admin, catalog, writers, sieb, stories, albums, booth)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundmosaic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None, help="local state (default ./.data)")
    parser.add_argument("--artist", default=default_artist(),
                        help=f"act as this artist (default $SOUNDMOSAIC_ARTIST or {DEFAULT_ARTIST})")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).resolve()
    return int(args.handler(args, data_dir) or 0)
