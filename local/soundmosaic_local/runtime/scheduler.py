"""Local EventBridge schedules: moto stores rules but does not fire them, this does.

Rules with a ``cron(...)`` or ``rate(...)`` expression are read back from moto and their Lambda
targets invoked through the dispatcher when due. ``run(name)`` fires one now, by hand.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from soundmosaic.platform import aws, clock

from soundmosaic_local.runtime import dispatcher

log = logging.getLogger(__name__)
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def next_fire(expression: str, after: datetime) -> datetime:
    """Next time an EventBridge schedule expression fires after ``after`` (UTC)."""
    body = expression[expression.index("(") + 1 : expression.rindex(")")].strip()
    if expression.startswith("rate("):
        amount, unit = body.split()
        return after + timedelta(seconds=int(amount) * _UNITS[unit])
    fields = body.split()
    if len(fields) != 6:
        raise ValueError(f"EventBridge cron needs 6 fields: {expression}")
    # EventBridge: minutes hours day-of-month month day-of-week year; '?' means 'any'.
    five = " ".join(f.replace("?", "*") for f in fields[:5])
    return croniter(five, after).get_next(datetime)


def scheduled_event(rule: str, now: datetime) -> dict[str, Any]:
    return {"version": "0", "id": f"local-{int(now.timestamp())}", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012", "time": clock.iso(now),
            "region": "us-east-1", "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
            "detail": {}}


class Scheduler(threading.Thread):
    def __init__(self, prefix: str) -> None:
        super().__init__(name="soundmosaic-scheduler", daemon=True)
        self.prefix = prefix
        self._stop_event = threading.Event()
        self._due: dict[str, datetime] = {}

    def rules(self) -> list[dict[str, Any]]:
        events = aws.client("events")
        return [r for r in events.list_rules(NamePrefix=self.prefix)["Rules"]
                if r.get("ScheduleExpression") and r.get("State") == "ENABLED"]

    def run_rule(self, name: str) -> list[Any]:
        """Fire rule ``name`` (full or without the stage prefix) now; returns the replies."""
        rule = name if name.startswith(self.prefix) else self.prefix + name
        targets = aws.client("events").list_targets_by_rule(Rule=rule)["Targets"]
        replies = []
        for target in targets:
            payload, errored = dispatcher.invoke(target["Arn"], scheduled_event(rule, clock.now()))
            if errored:
                log.error("schedule %s: target %s failed: %s", rule, target["Id"], payload)
            replies.append(payload)
        return replies

    def run(self) -> None:
        while not self._stop_event.wait(30):
            now = clock.now()
            for rule in self.rules():
                due = self._due.setdefault(rule["Name"], next_fire(rule["ScheduleExpression"], now))
                if due <= now:
                    self.run_rule(rule["Name"])
                    self._due[rule["Name"]] = next_fire(rule["ScheduleExpression"], now)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
