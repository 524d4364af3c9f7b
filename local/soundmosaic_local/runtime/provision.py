"""Create the listed resources in the local moto server, the way the CDK stacks do in AWS.

Buckets and tables are made first and bucket notifications last, so that objects restored from
the data directory do not raise upload events a second time.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from soundmosaic.platform import aws, resources
from soundmosaic.platform.resources import physical_name

ACCOUNT = "123456789012"
REGION = "us-east-1"
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/soundmosaic-local-lambda"
STATES_ROLE = f"arn:aws:iam::{ACCOUNT}:role/soundmosaic-local-states"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def function_arn(stage: str, key: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical_name(stage, key)}"


def state_machine_arn(stage: str, key: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{physical_name(stage, key)}"


def queue_url(endpoint: str, stage: str, key: str) -> str:
    return f"{endpoint}/{ACCOUNT}/{physical_name(stage, key)}"


def environment(stage: str, endpoint: str) -> dict[str, str]:
    """The variables a deployed Lambda gets from CDK, with local values."""
    env = {"SOUNDMOSAIC_STAGE": stage}
    for b in resources.BUCKETS:
        env[b.env] = physical_name(stage, b.key)
    for t in resources.TABLES:
        env[t.env] = physical_name(stage, t.key)
    for secret in resources.SECRETS:
        env[secret.env] = physical_name(stage, secret.key)
    for kms_key in resources.KEYS:
        env[kms_key.env] = resources.key_alias(stage, kms_key.key)
    for q in resources.QUEUES:
        env[q.env] = queue_url(endpoint, stage, q.key)
    for sm in resources.STATE_MACHINES:
        env[sm.env] = state_machine_arn(stage, sm.key)
    for fn in resources.FUNCTIONS:
        if fn.env:
            env[fn.env] = physical_name(stage, fn.key)
    return env


def task_values(stage: str, key: str) -> tuple[str, str, str, str]:
    """Cluster, task definition, subnet and security group of a container task (made by
    ``create_container_tasks``), in ``ContainerTask.placeholders`` order."""
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    name = physical_name(stage, f"{key}-task")
    subnet = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [name]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])[
        "SecurityGroups"][0]["GroupId"]
    definition = ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"][-1]
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}", definition, subnet, group


def render_definition(machine: resources.StateMachine, stage: str) -> str:
    """The ASL file with ``${...}`` replaced as CDK's definitionSubstitutions do."""
    text = machine.path.read_text()
    arns = {name: function_arn(stage, fn) for name, fn in machine.functions.items()}
    for prefix, key in machine.tasks.items():
        arns.update(zip(resources.ContainerTask.placeholders(prefix), task_values(stage, key), strict=True))
    missing = set(_PLACEHOLDER.findall(text)) - set(arns)
    if missing:
        raise ValueError(f"{machine.file}: no substitution for {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: arns[m.group(1)], text)


def create_storage(stage: str) -> None:
    s3, ddb = aws.client("s3"), aws.client("dynamodb")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in resources.BUCKETS:
        name = physical_name(stage, bucket.key)
        if name not in existing:
            s3.create_bucket(Bucket=name)
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
            "AllowedMethods": ["GET", "PUT", "HEAD"], "AllowedOrigins": ["*"],
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]})
    tables = set(ddb.list_tables()["TableNames"])
    for table in resources.TABLES:
        name = physical_name(stage, table.key)
        if name in tables:
            continue
        keys = [(table.partition_key, "HASH")] + ([(table.sort_key, "RANGE")] if table.sort_key else [])
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
            BillingMode="PAY_PER_REQUEST",
        )
        if table.ttl_attribute:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": table.ttl_attribute})
    create_lifecycle(stage)
    create_keys(stage)
    secrets = aws.client("secretsmanager")
    for secret in resources.SECRETS:
        with contextlib.suppress(secrets.exceptions.ResourceExistsException):
            secrets.create_secret(Name=physical_name(stage, secret.key), SecretString=secret.initial)


def lifecycle_rules(bucket: str) -> list[dict[str, Any]]:
    """The listed expiries of a bucket as S3 lifecycle rules (what infra/stacks/storage.py deploys)."""
    rules = []
    for n, expiry in enumerate(e for e in resources.EXPIRIES if e.bucket == bucket):
        rule_filter: dict[str, Any] = {"Prefix": expiry.prefix}
        if expiry.tag:
            rule_filter = {"And": {"Prefix": expiry.prefix,
                                   "Tags": [{"Key": expiry.tag[0], "Value": expiry.tag[1]}]}}
        rules.append({"ID": f"expire-{n}-{expiry.prefix.strip('/')}", "Status": "Enabled",
                      "Filter": rule_filter, "Expiration": {"Days": expiry.days}})
    return rules


def create_lifecycle(stage: str) -> None:
    """moto keeps the rules (and expires nothing): the same rules as deployed, to read back."""
    s3 = aws.client("s3")
    for bucket in {e.bucket for e in resources.EXPIRIES}:
        s3.put_bucket_lifecycle_configuration(Bucket=physical_name(stage, bucket),
                                              LifecycleConfiguration={"Rules": lifecycle_rules(bucket)})


def create_keys(stage: str) -> None:
    """One symmetric KMS key per listed key, behind its alias (``environment`` names the alias)."""
    kms = aws.client("kms")
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    for kms_key in resources.KEYS:
        alias = resources.key_alias(stage, kms_key.key)
        if alias not in aliases:
            made = kms.create_key(Description=kms_key.purpose, KeyUsage="ENCRYPT_DECRYPT")
            kms.create_alias(AliasName=alias, TargetKeyId=made["KeyMetadata"]["KeyId"])


# Queues fed by ``runtime.queues.QueuePoller`` instead of moto's event source mapping, which
# runs the consumer inside SendMessage and neither honours batchItemFailures nor redelivers.
POLLED_QUEUES = frozenset({"publish", "writers-turns"})


def create_compute(stage: str, endpoint: str) -> None:
    """Roles, functions, queues with their event source mappings, state machines, rules."""
    iam, lam, sqs = aws.client("iam"), aws.client("lambda"), aws.client("sqs")
    sfn, events = aws.client("stepfunctions"), aws.client("events")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}]})
    for role in (LAMBDA_ROLE, STATES_ROLE):
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=role.rsplit("/", 1)[1], AssumeRolePolicyDocument=trust)
    env = environment(stage, endpoint)
    known = {f["FunctionName"] for f in lam.list_functions().get("Functions", [])}
    for fn in resources.FUNCTIONS:
        name = physical_name(stage, fn.key)
        if name in known:
            continue
        # The code is never run from this zip: the dispatcher calls the handler in-process.
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=LAMBDA_ROLE, Handler=fn.lambda_handler,
            Code={"ZipFile": _empty_zip()}, Timeout=fn.timeout_s, MemorySize=fn.memory_mb,
            Environment={"Variables": env},
        )
    for queue in resources.QUEUES:
        name = physical_name(stage, queue.key)
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = _queue_arn(sqs, dlq)
        url = sqs.create_queue(QueueName=name, Attributes={
            "VisibilityTimeout": str(queue.visibility_timeout_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": queue.max_receive_count})})["QueueUrl"]
        if queue.key in POLLED_QUEUES:
            continue
        arn = _queue_arn(sqs, url)
        consumer = physical_name(stage, queue.consumer)
        mappings = lam.list_event_source_mappings(FunctionName=consumer)["EventSourceMappings"]
        if not any(m["EventSourceArn"] == arn for m in mappings):
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=consumer, BatchSize=1,
                                            FunctionResponseTypes=["ReportBatchItemFailures"])
    create_container_tasks(stage, env)
    machines = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
    for machine in resources.STATE_MACHINES:
        name = physical_name(stage, machine.key)
        if name in machines:
            sfn.update_state_machine(stateMachineArn=state_machine_arn(stage, machine.key),
                                     definition=render_definition(machine, stage))
        else:
            sfn.create_state_machine(name=name, roleArn=STATES_ROLE,
                                     definition=render_definition(machine, stage))
    for schedule in resources.SCHEDULES:
        rule = physical_name(stage, schedule.key)
        events.put_rule(Name=rule, ScheduleExpression=schedule.expression, State="ENABLED",
                        Description=schedule.purpose)
        events.put_targets(Rule=rule, Targets=[{"Id": schedule.target,
                                                "Arn": function_arn(stage, schedule.target)}])


def create_container_tasks(stage: str, env: dict[str, str]) -> None:
    """Cluster, Fargate task definition, subnet and security group of each container task, as
    the compute stack makes them; ``dispatcher`` runs a started task in a worker process."""
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    for task in resources.CONTAINER_TASKS:
        name = physical_name(stage, f"{task.key}-task")
        if not ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [name]}])["Subnets"]:
            vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
            ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # as the CDK VPC
            ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.0.0/20", TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}])
            ec2.create_security_group(GroupName=name, Description=task.purpose, VpcId=vpc)
        ecs.create_cluster(clusterName=name)
        if not ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"]:
            ecs.register_task_definition(
                family=name, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                cpu=str(task.cpu), memory=str(task.memory_mb),
                ephemeralStorage={"sizeInGiB": task.ephemeral_gib},
                containerDefinitions=[{
                    "name": task.container, "image": f"soundmosaic/{task.container}:local",
                    "essential": True, "command": ["task"], "cpu": task.cpu, "memory": task.memory_mb,
                    "environment": [{"name": k, "value": v} for k, v in sorted(env.items())]}])


def create_notifications(stage: str) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    for bucket in resources.BUCKETS:
        if not bucket.notify_prefixes:
            continue
        assert bucket.notify_queue, f"{bucket.key}: notify_prefixes need a notify_queue"
        url = sqs.get_queue_url(QueueName=physical_name(stage, bucket.notify_queue))["QueueUrl"]
        arn = _queue_arn(sqs, url)
        config: dict[str, Any] = {"QueueConfigurations": [
            {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}}
            for prefix in bucket.notify_prefixes]}
        s3.put_bucket_notification_configuration(Bucket=physical_name(stage, bucket.key),
                                                 NotificationConfiguration=config)


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _empty_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "SoundMosaic local runtime: handlers run in-process.\n")
    return buffer.getvalue()
