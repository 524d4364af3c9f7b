"""State machines, the ingest queue and notifications, schedules and the stack graph."""

from __future__ import annotations

import json
import re

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from tests.infra.conftest import STAGE
from tests.infra.helpers import by_property, of_type, props, text

pytestmark = pytest.mark.infra

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _function_id(template: dict, key: str) -> str:
    logical_id, _ = by_property(template, "AWS::Lambda::Function", "FunctionName",
                                physical_name(STAGE, key))
    return logical_id


@pytest.mark.parametrize("machine", resources.STATE_MACHINES, ids=lambda m: m.key)
def test_state_machine_definition_gets_every_function_arn(synth, machine):
    template = synth.json("Workflows")
    _, resource = by_property(template, "AWS::StepFunctions::StateMachine",
                              "StateMachineName", physical_name(STAGE, machine.key))
    p = props(resource)
    # The definition is the ASL file itself, uploaded as a file asset (staged as asset.<key>).
    key = p["DefinitionS3Location"]["Key"]
    definition = (synth.outdir / f"asset.{key}").read_text()
    assert json.loads(definition) == json.loads(machine.path.read_text())
    substitutions = p["DefinitionSubstitutions"]
    task_names = {n for prefix in machine.tasks for n in resources.ContainerTask.placeholders(prefix)}
    assert set(substitutions) == set(PLACEHOLDER.findall(definition)) == set(machine.functions) | task_names
    arns = {name: f"task-value-{name}" for name in task_names}
    for placeholder, key in machine.functions.items():
        assert substitutions[placeholder] == {"Fn::GetAtt": [_function_id(template, key), "Arn"]}
        arns[placeholder] = f"arn:aws:lambda:eu-west-1:123456789012:function:{physical_name(STAGE, key)}"
    # What CloudFormation deploys: every placeholder replaced, valid ASL JSON.
    rendered = PLACEHOLDER.sub(lambda m: arns[m.group(1)], definition)
    assert "${" not in rendered
    tasks = list(_tasks(json.loads(rendered)["States"]))
    used = {s["Parameters"]["FunctionName"] for s in tasks if "FunctionName" in s["Parameters"]}
    assert used == {arn for name, arn in arns.items() if name in machine.functions}
    # Each container path is a RunTask that waits for the task token the worker answers with.
    for state in tasks:
        if "FunctionName" not in state["Parameters"]:
            assert state["Resource"] == "arn:aws:states:::ecs:runTask.waitForTaskToken"
            assert state["HeartbeatSeconds"] < state["TimeoutSeconds"]
            assert state["Parameters"]["Cluster"].startswith("task-value-")


def _tasks(states: dict):
    """Every Task state, inside Map and Parallel states too."""
    for state in states.values():
        if state["Type"] == "Task":
            yield state
        elif state["Type"] == "Map":
            yield from _tasks((state.get("ItemProcessor") or state["Iterator"])["States"])
        elif state["Type"] == "Parallel":
            for branch in state["Branches"]:
                yield from _tasks(branch["States"])


@pytest.mark.parametrize("machine", resources.STATE_MACHINES, ids=lambda m: m.key)
def test_state_machine_is_traced_logged_and_may_invoke_its_functions(synth, machine):
    template = synth.json("Workflows")
    _, resource = by_property(template, "AWS::StepFunctions::StateMachine",
                              "StateMachineName", physical_name(STAGE, machine.key))
    p = props(resource)
    assert p["TracingConfiguration"] == {"Enabled": True}
    logging = p["LoggingConfiguration"]
    assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is False
    group_id = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert props(template["Resources"][group_id])["LogGroupName"].startswith(
        "/aws/vendedlogs/states/")
    role_id = p["RoleArn"]["Fn::GetAtt"][0]
    statements = [s for pol in of_type(template, "AWS::IAM::Policy").values()
                  if {"Ref": role_id} in props(pol)["Roles"]
                  for s in props(pol)["PolicyDocument"]["Statement"]]
    invoked = text([s["Resource"] for s in statements if "lambda:InvokeFunction" in
                    (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])])
    for key in set(machine.functions.values()):
        assert _function_id(template, key) in invoked


@pytest.mark.parametrize("queue", resources.QUEUES, ids=lambda q: q.key)
def test_queue_has_a_dead_letter_queue_and_reports_batch_failures(synth, queue):
    template = synth.json("Ingest")
    queue_id, resource = by_property(template, "AWS::SQS::Queue", "QueueName",
                                     physical_name(STAGE, queue.key))
    p = props(resource)
    dlq_id, dlq = by_property(template, "AWS::SQS::Queue", "QueueName",
                              f"{physical_name(STAGE, queue.key)}-dlq")
    assert p["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                  "maxReceiveCount": queue.max_receive_count}
    assert p["VisibilityTimeout"] == queue.visibility_timeout_s
    assert p["SqsManagedSseEnabled"] is True and props(dlq)["SqsManagedSseEnabled"] is True
    (mapping,) = [m for m in of_type(template, "AWS::Lambda::EventSourceMapping").values()
                  if props(m)["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}]
    assert props(mapping)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props(mapping)["FunctionName"] == {"Ref": _function_id(template, queue.consumer)}
    # The outbox: one publication per invocation; S3 events in batches.
    assert props(mapping)["BatchSize"] == (1 if queue.key == "publish" else 10)
    assert p["VisibilityTimeout"] >= resources.function(queue.consumer).timeout_s


def test_uploads_bucket_notifies_the_ingest_queue_per_prefix(synth):
    template = synth.json("Ingest")
    notified = [b for b in resources.BUCKETS if b.notify_prefixes]
    assert notified
    notifications = list(of_type(template, "Custom::S3BucketNotifications").values())
    assert len(notifications) == len(notified)
    (queue_entry,) = [q for q in resources.QUEUES if q.key == notified[0].notify_queue]
    queue_id, _ = by_property(template, "AWS::SQS::Queue", "QueueName",
                              physical_name(STAGE, queue_entry.key))
    storage = synth.stacks["Storage"]
    for entry, notification in zip(notified, notifications, strict=True):
        p = props(notification)
        bucket_ref = storage.resolve(storage.get_logical_id(
            storage.buckets[entry.key].node.default_child))
        assert "SoundMosaic-test-Storage" in text(p["BucketName"])
        assert bucket_ref in text(p["BucketName"])
        configs = p["NotificationConfiguration"]["QueueConfigurations"]
        assert {c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configs} == set(
            entry.notify_prefixes)
        for config in configs:
            assert config["Events"] == ["s3:ObjectCreated:*"]
            assert config["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    # S3 may send to the queue, from that bucket only.
    policies = [props(p) for p in of_type(template, "AWS::SQS::QueuePolicy").values()
                if {"Ref": queue_id} in props(p)["Queues"]]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert allow and allow[0]["Principal"] == {"Service": "s3.amazonaws.com"}
    assert "sqs:SendMessage" in allow[0]["Action"]
    assert "aws:SourceArn" in text(allow[0]["Condition"])


@pytest.mark.parametrize("schedule", resources.SCHEDULES, ids=lambda s: s.key)
def test_schedule_rule_runs_its_function(synth, schedule):
    template = synth.json("Schedules")
    _, rule = by_property(template, "AWS::Events::Rule", "Name",
                          physical_name(STAGE, schedule.key))
    p = props(rule)
    assert p["ScheduleExpression"] == schedule.expression
    assert p["State"] == "ENABLED"
    (target,) = p["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    here = [props(f).get("FunctionName") for f in of_type(template, "AWS::Lambda::Function").values()]
    if physical_name(STAGE, schedule.target) in here:
        function_arn = {"Fn::GetAtt": [_function_id(template, schedule.target), "Arn"]}
    else:  # a queue consumer, built by the Ingest stack: its ARN is that stack's output
        _function_id(synth.json("Ingest"), schedule.target)
        function_arn = target["Arn"]
        assert "Fn::GetStackOutput" in function_arn
    assert target["Arn"] == function_arn
    permissions = [props(r) for r in of_type(template, "AWS::Lambda::Permission").values()]
    assert any(q["Principal"] == "events.amazonaws.com" and q["FunctionName"] == function_arn
               for q in permissions)


def test_weekly_refresh_is_scheduled():
    weekly = [s for s in resources.SCHEDULES if "MON" in s.expression]
    assert weekly and weekly[0].target == "refresh"


def test_stacks_only_depend_on_the_foundation(synth):
    """No cycles by construction: shared stacks depend on nothing; Ingest waits for Workflows,
    Schedules for the functions it runs that live elsewhere."""
    deps = {short: {d.stack_name.rsplit("-", 1)[1] for d in stack.dependencies}
            for short, stack in synth.stacks.items()}
    for short in ("Storage", "Data", "Auth"):
        assert deps[short] == set(), short
    assert deps["Workflows"] <= {"Storage", "Data"}
    assert deps["Ingest"] <= {"Storage", "Data", "Workflows"}
    assert "Workflows" in deps["Ingest"]
    assert deps["Api"] <= {"Storage", "Data", "Auth", "Workflows"}
    assert "Workflows" in deps["Api"]  # it starts the audio lab's and the studio's state machines
    # The hourly publish sweep runs the publish queue's consumer, which the Ingest stack builds.
    assert deps["Schedules"] <= {"Storage", "Data", "Ingest"}
    assert {s.stack_name for s in synth.stacks.values()} == {
        f"SoundMosaic-{STAGE}-{short}" for short in
        ("Storage", "Data", "Auth", "Workflows", "Ingest", "Api", "Schedules")}


def test_container_path_is_least_privilege_fargate_running_the_audio_image(synth):
    """The state machines may run one task definition in one cluster and pass its roles to ECS
    only; the task runs the audio image with the ``task`` command and disk for a 2-hour file."""
    template = synth.json("Workflows")
    definitions = of_type(template, "AWS::ECS::TaskDefinition")
    assert len(definitions) == 1
    logical_id, definition = next(iter(definitions.items()))
    p = props(definition)
    task = resources.container_task("audio")
    assert p["RequiresCompatibilities"] == ["FARGATE"] and p["Family"] == physical_name(STAGE, "audio-task")
    assert p["EphemeralStorage"]["SizeInGiB"] == task.ephemeral_gib >= 21
    (container,) = p["ContainerDefinitions"]
    assert container["Name"] == "audio" and container["Command"] == ["task"]
    env = {e["Name"] for e in container["Environment"]}
    assert {"MEDIA_BUCKET", "TRACKS_TABLE", "JOBS_TABLE"} <= env
    # The routing function compares jobs with the limits it is deployed with.
    _, audio = by_property(template, "AWS::Lambda::Function", "FunctionName", physical_name(STAGE, "audio"))
    limits = props(audio)["Environment"]["Variables"]
    assert limits["SOUNDMOSAIC_LAMBDA_TIMEOUT_S"] == str(props(audio)["Timeout"])
    assert limits["SOUNDMOSAIC_LAMBDA_MEMORY_MB"] == str(props(audio)["MemorySize"])
    assert int(limits["SOUNDMOSAIC_LAMBDA_TMP_BYTES"]) == props(audio)["EphemeralStorage"]["Size"] * 1024**2
    for key in ("audio", "export"):
        _, machine = by_property(template, "AWS::StepFunctions::StateMachine", "StateMachineName",
                                 physical_name(STAGE, key))
        role = props(machine)["RoleArn"]["Fn::GetAtt"][0]
        statements = [st for policy in of_type(template, "AWS::IAM::Policy").values()
                      if {"Ref": role} in props(policy)["Roles"]
                      for st in props(policy)["PolicyDocument"]["Statement"]]
        ecs_actions = {a for st in statements for a in _list(st["Action"]) if a.startswith("ecs:")}
        assert ecs_actions == {"ecs:RunTask"}, ecs_actions
        run = next(st for st in statements if "ecs:RunTask" in _list(st["Action"]))
        assert run["Resource"] == {"Ref": logical_id} and "ecs:cluster" in run["Condition"]["ArnEquals"]
        passing = next(st for st in statements if "iam:PassRole" in _list(st["Action"]))
        assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
        assert "*" not in _list(passing["Resource"])


def _list(value):
    return value if isinstance(value, list) else [value]
