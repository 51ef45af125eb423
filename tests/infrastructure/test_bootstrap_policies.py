"""The OIDC roles' policy documents (bootstrap/policies/*.json) grant nothing outside the service's names."""

from __future__ import annotations

import fnmatch
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
        # the functions' execution roles (modules/function: <function>-execution), nothing else
        assert as_list(statement["Resource"]) == [
            "arn:${partition}:iam::${account_id}:role/${name_prefix}-*-execution"
        ]


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


# --- rendered policies -------------------------------------------------------------------------------------

ACCOUNT = "123456789012"
RENDER_VALUES = {
    "partition": "aws",
    "account_id": ACCOUNT,
    "region": "ap-southeast-2",  # the longest common region name, for the size check
    "name_prefix": "items-service",
    "project_tag": "items-service",
    "state_bucket": f"items-service-tfstate-{ACCOUNT}",
    "lock_table": "items-service-terraform-locks",
}
IAM_MANAGED_POLICY_MAX_CHARS = 6144  # AWS counts characters without whitespace


def rendered(path: Path) -> str:
    text = path.read_text()
    for name, value in RENDER_VALUES.items():
        text = text.replace("${" + name + "}", value)
    return text


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.name)
def test_rendered_policy_fits_the_managed_policy_size_limit(path: Path) -> None:
    assert len(re.sub(r"\s", "", rendered(path))) <= IAM_MANAGED_POLICY_MAX_CHARS


# What bootstrap/ and global/ create: the CI roles must not change these (no self-escalation, no deleting the
# state they run on). State objects and lock items are reached only by the TerraformState* grants.
PROTECTED_ARNS = (
    f"arn:aws:iam::{ACCOUNT}:role/items-service-github-infrastructure",
    f"arn:aws:iam::{ACCOUNT}:role/items-service-github-plan-readonly",
    f"arn:aws:iam::{ACCOUNT}:role/items-service-github-lambda-deploy",
    f"arn:aws:iam::{ACCOUNT}:role/items-service-apigateway-cloudwatch",
    f"arn:aws:s3:::items-service-tfstate-{ACCOUNT}",
    f"arn:aws:s3:::items-service-tfstate-logs-{ACCOUNT}",
    f"arn:aws:s3:::items-service-tfstate-logs-{ACCOUNT}/s3/log-object",
    f"arn:aws:dynamodb:ap-southeast-2:{ACCOUNT}:table/items-service-terraform-locks",
    f"arn:aws:kms:ap-southeast-2:{ACCOUNT}:alias/items-service-terraform-locks",
    f"arn:aws:kms:ap-southeast-2:{ACCOUNT}:alias/items-service-tfstate-{ACCOUNT}",
)


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.name)
def test_ci_roles_cannot_write_what_bootstrap_and_global_own(path: Path) -> None:
    for statement in json.loads(rendered(path))["Statement"]:
        if statement["Effect"] != "Allow" or statement["Sid"].startswith("TerraformState"):
            continue
        writes = [action for action in as_list(statement["Action"]) if not READ_ONLY_ACTION.match(action)]
        if not writes or statement["Resource"] == "*":
            continue  # "*" writes are create-time grants behind a request-tag condition (checked above)
        for pattern in as_list(statement["Resource"]):
            reachable = [arn for arn in PROTECTED_ARNS if fnmatch.fnmatchcase(arn, pattern)]
            assert not reachable, f"{path.name} {statement['Sid']}: {writes} reach {reachable} via {pattern}"


def test_keys_of_the_shared_stacks_cannot_be_retagged_or_deleted_by_ci() -> None:
    # global/ and bootstrap/ tag their keys with Stack; the environments' keys carry no Stack tag.
    deny = [
        s
        for s in statements(INFRA / "bootstrap" / "policies" / "infrastructure.json")
        if s["Effect"] == "Deny"
    ]
    assert len(deny) == 1
    assert {"kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion"} <= set(deny[0]["Action"])
    assert deny[0]["Condition"] == {"Null": {"aws:ResourceTag/Stack": "false"}}
