"""``catalog demo`` loads the demo songs; ``catalog add`` fingerprints one recording and puts it,
with its work's rights holders and their exact shares, in the catalog that reference songs are
matched against (the running stack's, a deployed table, or an in-process stack's)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.table import Table

from soundmosaic_local.cli.common import console, out
from soundmosaic_local.runtime.stack import LocalStack, RuntimeInfo


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="the song catalog that reference songs are matched against; "
                             "the running local stack's, or with CATALOG_TABLE set (and no stack) the "
                             "deployed table of the AWS account in the environment")
    catalog_sub = catalog.add_subparsers(dest="action", required=True)
    catalog_sub.add_parser("demo", help="render and load the 16 demo songs (fictional works and holders)")
    add = catalog_sub.add_parser("add", help="fingerprint an audio file and add it as a recording")
    add.add_argument("audio", type=Path)
    add.add_argument("--title", required=True)
    add.add_argument("--artist", dest="artists", action="append", required=True,
                     help="a performing artist (repeatable)")
    add.add_argument("--isrc", default=None)
    add.add_argument("--holder", action="append", required=True, metavar="ID=SHARE",
                     help="a rights holder of the work and its exact share, e.g. holder:mara=3/5 "
                     "(repeatable; shares sum to 1)")
    add.add_argument("--holder-name", action="append", default=[], metavar="ID=NAME",
                     help="a holder's display name (repeatable)")
    add.add_argument("--recording-id", default=None, help="default: a new id")
    add.add_argument("--work-id", default=None, help="default: work:<recording id>")
    add.add_argument("--work-title", default=None, help="default: the title")
    catalog.set_defaults(handler=cmd_catalog)


def cmd_catalog(args: argparse.Namespace, data_dir: Path) -> int:
    from soundmosaic_local.fixtures import demo_catalog

    with _catalog(data_dir) as (store, where):
        if args.action == "demo":
            folder = data_dir / "demo-catalog"
            with console.status(f"rendering and fingerprinting the demo songs into {folder}..."):
                songs = demo_catalog.build(folder, store)
            table = Table("recording", "title", "artist", "ISRC", "holders")
            for song in songs:
                rec = song.recording
                table.add_row(rec.recording_id, rec.title, ", ".join(rec.artists), rec.isrc or "",
                              ", ".join(f"{h} {s}" for h, s in rec.work.holders.items()))
            out.print(table)
            out.print(f"loaded {len(songs)} demo songs into {where}")
            out.print(f"their audio: {folder}", highlight=False)
            return 0
        try:
            recording = _recording(args)
        except ValueError as err:
            console.print(f"[red]{err}[/]")
            return 2
        store.put(recording)
        assert recording.fingerprint is not None
        out.print(f"added {recording.recording_id} ({recording.title!r}, work {recording.work.work_id}, "
                  f"{recording.fingerprint.duration:.1f} s fingerprinted) to {where}", highlight=False)
    return 0


def _recording(args: argparse.Namespace) -> Any:
    """The recording ``catalog add`` describes, fingerprinted; ValueError says what is wrong."""
    from soundmosaic.catalog.fingerprint import FingerprintError, fingerprint_file
    from soundmosaic.catalog.store import Recording
    from soundmosaic.platform.paging import new_id
    from soundmosaic.royalties.provenance import ProvenanceError, Work

    def pairs(values: list[str], what: str) -> dict[str, str]:
        found = {}
        for value in values:
            key, sep, rest = value.partition("=")
            if not sep or not key.strip() or not rest.strip():
                raise ValueError(f"{what} {value!r}: write it as ID=VALUE")
            if key.strip() in found:
                raise ValueError(f"{what} {key.strip()!r} given twice")
            found[key.strip()] = rest.strip()
        return found

    holders = pairs(args.holder, "--holder")
    names = pairs(args.holder_name, "--holder-name")
    unknown = sorted(set(names) - set(holders))
    if unknown:
        raise ValueError(f"--holder-name for {', '.join(unknown)}, who hold no share (--holder)")
    try:
        fingerprint = fingerprint_file(args.audio)
    except FingerprintError as err:
        raise ValueError(str(err)) from err
    recording_id = args.recording_id or f"rec-{new_id()}"
    try:
        work = Work(args.work_id or f"work:{recording_id}", holders)
        return Recording(recording_id, args.title, tuple(args.artists), args.isrc,
                         round(fingerprint.duration * 1000), work, args.work_title or args.title, names,
                         fingerprint)
    except (ProvenanceError, TypeError) as err:
        raise ValueError(str(err)) from err


@contextlib.contextmanager
def _catalog(data_dir: Path) -> Iterator[tuple[Any, str]]:
    """The catalog table: the running local stack's; else, with ``CATALOG_TABLE`` set, the
    deployed one (AWS credentials and region from the environment); else an in-process stack's."""
    from soundmosaic.catalog.store import CatalogStore
    from soundmosaic.platform import aws

    from soundmosaic_local.runtime import provision
    from soundmosaic_local.runtime.stack import STAGE

    info = RuntimeInfo.read(data_dir)
    if info is not None:
        # moto's own endpoint and credentials: the table lives in the running stack's process.
        os.environ.update({"AWS_ENDPOINT_URL": info.aws_endpoint, "AWS_ACCESS_KEY_ID": "local",
                           "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": provision.REGION,
                           "CATALOG_TABLE": provision.environment(STAGE, info.aws_endpoint)["CATALOG_TABLE"]})
        os.environ.pop("AWS_SESSION_TOKEN", None)
        aws.reset()
        yield CatalogStore(), f"the local stack's catalog ({info.api_url})"
        return
    if os.environ.get("CATALOG_TABLE"):
        yield CatalogStore(), f"table {os.environ['CATALOG_TABLE']}"
        return
    console.print("no running stack: starting one in this process")
    with LocalStack(data_dir, port=0, background=False):
        yield CatalogStore(), f"the local catalog in {data_dir}"
