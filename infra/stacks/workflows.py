"""Workflows: the state machines in ``statemachines/`` and the functions their Tasks invoke.

Each definition is loaded from its file as is; CloudFormation replaces every ``${Name}``
placeholder with the ARN of the listed function it names (``definitionSubstitutions``), the
same substitution the local runtime applies before handing the file to moto. Executions are
traced with X-Ray and logged to CloudWatch Logs (without execution data: payloads carry ids and
S3 keys, and file names can be personal).
"""

from __future__ import annotations

import re

from aws_cdk import Environment
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra.constructs.functions import ListedFunctions, Shared
from infra.constructs.logs import log_group as make_log_group
from infra.settings import Settings
from infra.stacks.base import FoundationStack
from infra.stacks.compute import ContainerTasks

DESCRIPTION = "SoundMosaic workflows: Step Functions state machines and their task functions"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def placeholders(machine: resources.StateMachine) -> set[str]:
    return set(PLACEHOLDER.findall(machine.path.read_text()))


class WorkflowsStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 shared: Shared, function_keys: list[str],
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        self.functions = ListedFunctions(self, "Functions", keys=function_keys, shared=shared)
        self.state_machines: dict[str, sfn.StateMachine] = {}
        # The container path of the audio lab (long or large files): ECS Fargate tasks.
        self.tasks = ContainerTasks(self, "ContainerTasks", shared=shared)
        for entry in resources.STATE_MACHINES:
            task_names = {name for prefix in entry.tasks
                          for name in resources.ContainerTask.placeholders(prefix)}
            missing = placeholders(entry) - set(entry.functions) - task_names
            if missing:
                raise ValueError(f"{entry.file}: no listed substitution for {sorted(missing)}")
            name = physical_name(settings.stage, entry.key)
            # The /aws/vendedlogs/ prefix keeps the log resource policy small.
            log_group = make_log_group(self, f"{entry.key}-logs", settings,
                                       f"/aws/vendedlogs/states/{name}")
            targets = {key: self.functions.functions[key] for key in set(entry.functions.values())}
            machine = sfn.StateMachine(
                self, entry.key,
                state_machine_name=name,
                state_machine_type=sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_file(str(entry.path)),
                definition_substitutions={
                    **{placeholder: targets[key].function_arn
                       for placeholder, key in entry.functions.items()},
                    **{name: value for prefix, key in entry.tasks.items()
                       for name, value in self.tasks.substitutions(prefix, key).items()}},
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL,
                                    include_execution_data=False),
                tracing_enabled=True,
                comment=entry.purpose,
            )
            for function in targets.values():
                function.grant_invoke(machine)
            for key in set(entry.tasks.values()):
                self.tasks.grant_run(machine, key)
            self.state_machines[entry.key] = machine
