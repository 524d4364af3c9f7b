"""Jobs: long work with a status, a stage and a percent the API and the SPA can show.

A job belongs to one artist (partition key ``artist_id``) and moves
``queued -> running -> succeeded | failed``. Finished jobs never move again, so a late or
repeated workflow step cannot resurrect a failed job or fail a finished one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item
from soundmosaic.platform.paging import new_id, page

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)


class JobNotFound(LookupError):
    pass


@dataclass
class Job:
    artist_id: str
    job_id: str
    kind: str
    status: str = QUEUED
    stage: str = "queued"
    percent: int = 0
    created_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)
    finished_at: str | None = None
    error: str | None = None
    correlation_id: str | None = None
    subject: dict[str, Any] = field(default_factory=dict)  # what the job works on (S3 keys...)
    result: dict[str, Any] = field(default_factory=dict)  # what it made (track id...)

    @staticmethod
    def from_item(item: dict[str, Any]) -> Job:
        names = Job.__dataclass_fields__
        return Job(**{k: v for k, v in from_item(item).items() if k in names})


def new_job_id() -> str:
    return new_id()


class JobStore:
    """Jobs in the jobs table."""

    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("JOBS_TABLE"))

    def create(self, job: Job) -> Job:
        """Store a new job; storing the same job id twice keeps the first."""
        try:
            self.table.put_item(
                Item=to_item(asdict(job)), ConditionExpression=Attr("job_id").not_exists()
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return self.get(job.artist_id, job.job_id)
        return job

    def get(self, artist_id: str, job_id: str) -> Job:
        item = self.table.get_item(Key={"artist_id": artist_id, "job_id": job_id}).get("Item")
        if not item:
            raise JobNotFound(job_id)
        return Job.from_item(item)

    def page(self, artist_id: str, limit: int = 50, cursor: str | None = None,
             status: str | None = None) -> tuple[list[Job], str | None]:
        """One page of the artist's jobs, newest first."""
        filt = Attr("status").eq(status) if status else None
        items, next_cursor = page(self.table, artist_id, "job_id", limit, cursor, filt)
        return [Job.from_item(i) for i in items], next_cursor

    def scan_unfinished(self) -> list[Job]:
        """Every queued or running job of every artist (maintenance only)."""
        scan: dict[str, Any] = {"FilterExpression": Attr("status").is_in([QUEUED, RUNNING])}
        jobs: list[Job] = []
        while True:
            page = self.table.scan(**scan)
            jobs.extend(Job.from_item(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return jobs
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def advance(self, artist_id: str, job_id: str, stage: str, percent: int) -> Job | None:
        """Mark a job running at ``stage``/``percent``. Ignored once the job has finished, and
        when it would move the percent backwards (parallel steps report out of order)."""
        return self._update(
            artist_id, job_id, {"status": RUNNING, "stage": stage, "percent": max(0, min(percent, 100))},
            extra_condition="#percent <= :percent",
        )

    def succeed(self, artist_id: str, job_id: str, result: dict[str, Any]) -> Job | None:
        return self._update(
            artist_id, job_id,
            {"status": SUCCEEDED, "stage": "done", "percent": 100, "result": to_item(result),
             "finished_at": clock.iso()},
        )

    def fail(self, artist_id: str, job_id: str, reason: str, stage: str | None = None) -> Job | None:
        values: dict[str, Any] = {"status": FAILED, "error": reason[:2000], "finished_at": clock.iso()}
        if stage:
            values["stage"] = stage
        return self._update(artist_id, job_id, values)

    def _update(self, artist_id: str, job_id: str, values: dict[str, Any],
                extra_condition: str | None = None) -> Job | None:
        values = {**values, "updated_at": clock.iso()}
        names = {f"#{k}": k for k in values}
        condition = "attribute_exists(job_id) AND NOT #status IN (:succeeded, :failed)"
        try:
            reply = self.table.update_item(
                Key={"artist_id": artist_id, "job_id": job_id},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
                ConditionExpression=f"{condition} AND {extra_condition}" if extra_condition else condition,
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues={
                    **{f":{k}": v for k, v in values.items()},
                    ":succeeded": SUCCEEDED,
                    ":failed": FAILED,
                },
                ReturnValues="ALL_NEW",
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return None  # finished, unknown, or behind: a finished job never moves again
        return Job.from_item(reply["Attributes"])


def start_workflow(job: Job, machine_env: str, workflow_input: dict[str, Any]) -> Job:
    """Record ``job`` and start the state machine named by ``machine_env`` for it.

    The execution is named after the job (a retried request cannot start it twice) and gets the
    artist, job and correlation ids beside ``workflow_input``. A start that fails fails the job
    with the reason, so the job never waits in ``queued`` for a workflow that does not exist.
    """
    store = JobStore()
    store.create(job)
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=resource(machine_env), name=job.job_id,
            input=json.dumps({**workflow_input, "artist_id": job.artist_id, "job_id": job.job_id,
                              "correlation_id": job.correlation_id}))
    except Exception as err:
        store.fail(job.artist_id, job.job_id, f"could not start the workflow: {err}")
        raise
    return job


def reason_from_error(error: dict[str, Any]) -> str:
    """A readable reason from a Step Functions Catch's ``{Error, Cause}``: the Lambda's
    ``errorMessage`` rather than its stack, ``"<Error>: <message>"``, at most 1000 characters."""
    cause = str(error.get("Cause") or "")
    try:
        parsed = json.loads(cause)
        cause = str(parsed.get("errorMessage") or cause) if isinstance(parsed, dict) else cause
    except ValueError:
        pass
    name = str(error.get("Error") or "Error")
    return (f"{name}: {cause}" if cause else name)[:1000]
