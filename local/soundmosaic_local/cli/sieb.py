"""``sieb ask QUESTION --json`` and ``sieb load DIR``: Sieb from a terminal.

The server is MONGODB_URI when set, else the one a running ``soundmosaic up`` started, else an
embedded one started for this command over ``<data>/mongo`` (with the sample data loaded).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from soundmosaic.sieb import loader, service, store

from soundmosaic_local.cli.common import out
from soundmosaic_local.mongo import local
from soundmosaic_local.runtime.stack import RuntimeInfo


def register(sub: Any) -> None:
    sieb = sub.add_parser("sieb", help="ask stock and supply-chain data in plain language")
    cmds = sieb.add_subparsers(dest="sieb_command", required=True)
    ask = cmds.add_parser("ask", help="answer a question (offline engine unless an LLM key is set)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--conversation", default=None, help="refine this conversation's last question")
    ask.set_defaults(handler=cmd_ask)
    load = cmds.add_parser("load", help="load <collection>.jsonl files (Extended JSON) of a folder")
    load.add_argument("folder", type=Path)
    load.add_argument("--sample", action="store_true", help="into the shared sample database")
    load.set_defaults(handler=cmd_load)


@contextmanager
def _server(data_dir: Path) -> Iterator[None]:
    info = RuntimeInfo.read(data_dir)
    running = getattr(info, "mongodb_uri", None) if info else None
    if os.environ.get("MONGODB_URI") or not running:
        server = local.start(data_dir)
        try:
            if server is not None:
                local.load_sample()
            yield
        finally:
            local.stop(server)
        return
    os.environ["MONGODB_URI"] = running
    store.client.cache_clear()
    try:
        yield
    finally:
        os.environ.pop("MONGODB_URI", None)
        store.client.cache_clear()


def cmd_ask(args: argparse.Namespace, data_dir: Path) -> int:
    with _server(data_dir):
        answer = service.ask(args.artist, args.question, conversation_id=args.conversation, limit=1000)
    if args.json:
        print(
            json.dumps(
                {
                    k: answer[k]
                    for k in (
                        "engine",
                        "understood",
                        "collection",
                        "pipeline",
                        "rows",
                        "total",
                        "mapping",
                        "columns",
                        "message",
                        "suggestions",
                        "conversation_id",
                        "timing_ms",
                    )
                },
                default=str,
            )
        )
        return 0 if answer["understood"] else 2
    if not answer["understood"]:
        out.print(f"[yellow]not understood:[/] {answer['message']}")
        for s in answer["suggestions"]:
            out.print(f"  try: {s}", highlight=False)
        return 2
    out.print(
        f"{answer['engine']} · {answer['collection']} · {answer['total']} rows · {answer['message']}",
        highlight=False,
    )
    for row in answer["rows"][:20]:
        out.print(json.dumps(row, default=str), highlight=False)
    return 0


def cmd_load(args: argparse.Namespace, data_dir: Path) -> int:
    with _server(data_dir):
        name = store.SAMPLE_DB if args.sample else store.tenant_db_name(args.artist)
        try:
            result = loader.load(store.client()[name], args.folder)
        except loader.LoadError as err:
            out.print(f"[red]{err}[/]")
            return 1
    print(json.dumps(result))
    return 0
