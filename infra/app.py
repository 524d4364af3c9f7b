"""The SoundMosaic CDK app: ``python -m infra.app`` (what ``cdk.json`` runs).

Stacks, named ``SoundMosaic-<stage>-<Context>``::

    Storage    S3 buckets                       (resources.BUCKETS)
    Data       DynamoDB tables                  (resources.TABLES)
    Auth       Cognito user pool, SPA client, hosted UI domain
    Workflows  state machines + the functions their Tasks invoke   (resources.STATE_MACHINES)
    Ingest     queues + DLQs, upload notifications, consumers      (resources.QUEUES)
    Api        HTTP API + JWT authorizer + the remaining functions
    Schedules  EventBridge rules + their target functions          (resources.SCHEDULES)
    Compute    SageMaker async GPU endpoint for the audio worker   (only with -c gpu=true)

Each listed function lives in exactly one stack, the first of Workflows, Ingest, Schedules
that uses it, else Api. References between stacks only go from these to Storage, Data and Auth;
names and ARNs that would point back (state machine ARNs, function names, queue URLs, the GPU
endpoint's name) are built from the resource list's physical names (``infra.names``). Compute, too,
refers only to Storage and Data; the stack whose function uses its endpoint deploys after it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from soundmosaic.platform import resources

from infra import needs
from infra.constructs.functions import Shared
from infra.settings import Settings
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack
from infra.stacks.compute import ComputeStack
from infra.stacks.data import DataStack
from infra.stacks.ingest import IngestStack
from infra.stacks.schedules import SchedulesStack
from infra.stacks.storage import StorageStack
from infra.stacks.workflows import WorkflowsStack

CDK_JSON = resources.REPO_ROOT / "cdk.json"
WORKFLOWS, INGEST, SCHEDULES, API, COMPUTE = "Workflows", "Ingest", "Schedules", "Api", "Compute"


def placement() -> dict[str, list[str]]:
    """Function keys per stack: each listed function in exactly one stack."""
    home: dict[str, str] = {}
    for machine in resources.STATE_MACHINES:
        for key in machine.functions.values():
            home.setdefault(key, WORKFLOWS)
    for queue in resources.QUEUES:
        home.setdefault(queue.consumer, INGEST)
    for schedule in resources.SCHEDULES:
        home.setdefault(schedule.target, SCHEDULES)
    for fn in resources.FUNCTIONS:
        home.setdefault(fn.key, API)
    stacks: dict[str, list[str]] = {WORKFLOWS: [], INGEST: [], SCHEDULES: [], API: []}
    for fn in resources.FUNCTIONS:  # resource list order, so templates are stable
        stacks[home[fn.key]].append(fn.key)
    return stacks


def cdk_json_context() -> dict[str, Any]:
    """The context block of ``cdk.json`` (the CLI passes it itself; tests use this)."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text()).get("context", {})
    return context


def default_environment() -> cdk.Environment | None:
    """The account/region the CLI resolved, if any; otherwise environment-agnostic stacks."""
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    if not account and not region:
        return None
    return cdk.Environment(account=account, region=region)


def build_app(context: Mapping[str, Any] | None = None, outdir: str | Path | None = None,
              env: cdk.Environment | None = None) -> cdk.App:
    needs.check()
    app = cdk.App(context=dict(context) if context else None,
                  outdir=str(outdir) if outdir else None)
    settings = Settings.from_context(app)
    prefix = f"SoundMosaic-{settings.stage}"

    storage = StorageStack(app, f"{prefix}-Storage", settings=settings, env=env)
    data = DataStack(app, f"{prefix}-Data", settings=settings, env=env)
    auth = AuthStack(app, f"{prefix}-Auth", settings=settings, env=env)
    shared = Shared(settings=settings, buckets=storage.buckets, tables=data.tables, databases=data.databases)

    # The GPU endpoint exists only when asked for (it builds a CUDA image of several GB); the
    # audio function then reaches it by its name, so the stack comes first.
    compute = (ComputeStack(app, f"{prefix}-{COMPUTE}", settings=settings, shared=shared, env=env)
               if settings.gpu else None)

    homes = placement()
    workflows = WorkflowsStack(app, f"{prefix}-{WORKFLOWS}", settings=settings, shared=shared,
                               function_keys=homes[WORKFLOWS], env=env)
    ingest = IngestStack(app, f"{prefix}-{INGEST}", settings=settings, shared=shared,
                         function_keys=homes[INGEST], env=env)
    api = ApiStack(app, f"{prefix}-{API}", settings=settings, shared=shared,
                   user_pool=auth.user_pool, user_pool_client=auth.client,
                   function_keys=homes[API], env=env)
    built = {**workflows.functions.functions, **ingest.functions.functions,
             **api.functions.functions}
    schedules = SchedulesStack(app, f"{prefix}-{SCHEDULES}", settings=settings, shared=shared,
                               function_keys=homes[SCHEDULES], elsewhere=built, env=env)

    if compute is not None:
        for stack, keys in ((workflows, homes[WORKFLOWS]), (ingest, homes[INGEST]),
                            (api, homes[API]), (schedules, homes[SCHEDULES])):
            if any(needs.needs(k).gpu_endpoint for k in keys):
                stack.add_stack_dependency(compute, "hands GPU work to its endpoint")

    # Functions that start state machines reach them by a name-built ARN, not a reference:
    # deploy the workflows first all the same.
    for stack, keys in ((ingest, homes[INGEST]), (api, homes[API]),
                        (schedules, homes[SCHEDULES])):
        if any(needs.needs(k).starts for k in keys):
            stack.add_stack_dependency(workflows, "starts its state machines")
    return app


def main() -> None:
    app = build_app(env=default_environment())
    app.synth()


if __name__ == "__main__":
    main()
