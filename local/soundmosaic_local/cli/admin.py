"""``jobs`` lists an artist's newest jobs, ``schedule run`` fires a schedule now, ``token`` prints
a dev token (for an artist, or a rights holder who may read their royalty statements)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from soundmosaic.platform import auth

from soundmosaic_local.cli.common import artist_option, out, stack, token
from soundmosaic_local.runtime.stack import LocalStack, RuntimeInfo


def register(sub: Any) -> None:
    jobs = sub.add_parser("jobs", help="list jobs")
    jobs.add_argument("--limit", type=int, default=20)
    artist_option(jobs)
    jobs.set_defaults(handler=cmd_jobs)
    schedule = sub.add_parser("schedule", help="schedules")
    schedule_sub = schedule.add_subparsers(dest="action", required=True)
    run = schedule_sub.add_parser("run", help="fire a schedule now")
    run.add_argument("name")
    schedule.set_defaults(handler=cmd_schedule)
    dev_token = sub.add_parser("token", help="print a dev token")
    artist_option(dev_token)
    dev_token.add_argument("--holder", default=None,
                           help="a rights holder id: the token may read that holder's royalty statements")
    dev_token.add_argument("--royalty-admin", action="store_true",
                           help="a member of the royalty-admins group: may correct provenance")
    dev_token.add_argument("--booth-role", choices=("organiser", "operator"), default=None,
                           help="the event booth's role (docs/booth.md)")
    dev_token.add_argument("--booth-event", default=None, help="an operator's kiosk event (ev_...)")
    dev_token.set_defaults(handler=cmd_token)


def cmd_jobs(args: argparse.Namespace, data_dir: Path) -> int:
    with stack(data_dir, args.artist) as (api_url, bearer):
        reply = httpx.get(f"{api_url}/api/jobs", params={"limit": args.limit}, timeout=30,
                          headers={"Authorization": f"Bearer {bearer}"}).json()
    table = Table("job", "kind", "status", "stage", "%", "updated", "error / result")
    for job in reply["items"]:
        table.add_row(job["job_id"], job["kind"], job["status"], job["stage"], str(job["percent"]),
                      job["updated_at"], job.get("error") or json.dumps(job.get("result") or {}))
    out.print(table)
    return 0


def cmd_schedule(args: argparse.Namespace, data_dir: Path) -> int:
    info = RuntimeInfo.read(data_dir)
    if info is not None:
        # Ask the running stack's Lambda service: the invocation runs in that process.
        import boto3

        session = boto3.Session(region_name="us-east-1", aws_access_key_id="local",
                                aws_secret_access_key="local")  # noqa: S106 (moto)
        events = session.client("events", endpoint_url=info.aws_endpoint)
        lambdas = session.client("lambda", endpoint_url=info.aws_endpoint)
        rule = f"soundmosaic-local-{args.name}"
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        replies = [json.loads(lambdas.invoke(FunctionName=t["Arn"], Payload=b"{}")["Payload"].read())
                   for t in targets]
    else:
        with LocalStack(data_dir, port=0, background=False) as local:
            replies = local.scheduler.run_rule(args.name)
    out.print_json(data=replies)
    return 0


def cmd_token(args: argparse.Namespace, data_dir: Path) -> int:
    groups = (auth.ROYALTY_ADMINS,) if args.royalty_admin else ()
    minted = token(data_dir, args.artist, args.holder, groups, args.booth_role, args.booth_event)
    out.print(minted, highlight=False)
    return 0
