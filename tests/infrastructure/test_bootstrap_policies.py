"""The OIDC roles' policy documents (bootstrap/policies/*.json) grant nothing outside the service's names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import INFRA

POLICY_FILES = sorted((INFRA / "bootstrap" / "policies").glob("*.json"))
READ_ONLY_ACTION = re.compile(r"^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*\*?$")
# Resources a write may target: the service's own name prefix, the state bucket / lock table, or keys
# reached only by tag condition.
SCOPED_RESOURCE = re.compile(r"\$\{name_prefix\}|\$\{state_bucket\}|\$\{lock_table\}|/restapis|/tags/")


def statements(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    return list(document["Statement"])


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_the_three_role_policies_exist() -> None:
    assert [path.name for path in POLICY_FILES] == [
        "infrastructure.json",
        "lambda_deploy.json",
        "plan_readonly.json",
    ]


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.name)
def test_no_wildcard_write_actions(path: Path) -> None:
    # Given every Allow statement of the policy
    for statement in statements(path):
        for action in as_list(statement["Action"]):
            # Then a wildcard only completes a read-only verb prefix (Get*, List*, Describe*)
            assert action != "*", f"{path.name} {statement['Sid']}: bare *"
            assert "*" not in action or READ_ONLY_ACTION.match(action), (
                f"{path.name} {statement['Sid']}: write wildcard {action}"
            )


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.name)
def test_writes_are_scoped_by_name_prefix_or_condition(path: Path) -> None:
    for statement in statements(path):
        writes = [action for action in as_list(statement["Action"]) if not READ_ONLY_ACTION.match(action)]
        if not writes or "Condition" in statement:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{path.name} {statement['Sid']}: {writes} on * without a condition"
            assert SCOPED_RESOURCE.search(resource), f"{path.name} {statement['Sid']}: {writes} on {resource}"


def test_pass_role_is_limited_to_lambda() -> None:
    passing = [
        statement
        for path in POLICY_FILES
        for statement in statements(path)
        if "iam:PassRole" in as_list(statement["Action"])
    ]
    assert passing, "the infrastructure role must be able to pass the execution role"
    for statement in passing:
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
        assert as_list(statement["Resource"]) == ["arn:${partition}:iam::${account_id}:role/${name_prefix}-*"]


def test_plan_role_cannot_change_service_resources() -> None:
    for statement in statements(INFRA / "bootstrap" / "policies" / "plan_readonly.json"):
        if statement["Sid"] == "TerraformStateLock":
            continue  # a plan takes the state lock; the table is named exactly
        for action in as_list(statement["Action"]):
            assert READ_ONLY_ACTION.match(action) or action in {
                "s3:GetObject",
                "s3:ListBucket",
                "kms:Decrypt",
                "apigateway:GET",
                "sts:GetCallerIdentity",
            }, action
