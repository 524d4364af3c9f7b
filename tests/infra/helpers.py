"""Small readers over synthesised templates (plain dicts from ``Template.to_json()``)."""

from __future__ import annotations

import json
from typing import Any


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties", {})


def text(value: Any) -> str:
    """A CloudFormation value as one searchable string (intrinsics included)."""
    return json.dumps(value, sort_keys=True)


def by_property(template: dict[str, Any], kind: str, name: str,
                value: Any) -> tuple[str, dict[str, Any]]:
    found = [(k, v) for k, v in of_type(template, kind).items() if props(v).get(name) == value]
    assert len(found) == 1, f"expected one {kind} with {name}={value!r}, found {len(found)}"
    return found[0]


def role_statements(template: dict[str, Any], function_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of the IAM policies attached to a function's role."""
    function = template["Resources"][function_logical_id]
    role = props(function)["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in props(policy)["Roles"]:
            statements += props(policy)["PolicyDocument"]["Statement"]
    return statements


def actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found
