#!/usr/bin/env python3
"""Find resources named like an environment (items-service-<env>-…) that its Terraform state does not manage.

Orphans are what a failed apply, a renamed resource or a hand-made experiment leaves behind: they cost
money and confuse the next apply. The tool also reports the opposite drift, resources in the state that
no longer exist. Exit 0 when the account and the state agree, 1 when they do not.

With --delete it removes the orphans it knows how to remove (tables, functions, log groups, alarms,
dashboards, topics); that is destructive and needs --confirm <env> typed out.

Examples:
  python -m infrastructure.ops.detect_orphaned_resources --env dev
  python -m infrastructure.ops.detect_orphaned_resources --env local \\
      --endpoint-url http://127.0.0.1:5000 --state-file infrastructure/environments/local/terraform.tfstate
  python -m infrastructure.ops.detect_orphaned_resources --env dev --delete --confirm dev
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.common.terraform_cli import terraform_env
from data.migrations import RECORD_TABLE_SUFFIX
from infrastructure.ops.ops_common import Aws, Resource, connect, fail, inventory, run_tool, script_parser

TERRAFORM = shutil.which("terraform") or "terraform"
# Terraform resource type -> (inventory kind, attribute holding the name).
MANAGED_NAME_ATTRIBUTES = {
    "aws_dynamodb_table": ("dynamodb_table", "name"),
    "aws_lambda_function": ("lambda_function", "function_name"),
    "aws_cloudwatch_log_group": ("log_group", "name"),
    "aws_s3_bucket": ("s3_bucket", "bucket"),
    "aws_api_gateway_rest_api": ("rest_api", "name"),
    "aws_cloudwatch_metric_alarm": ("metric_alarm", "alarm_name"),
    "aws_cloudwatch_dashboard": ("dashboard", "dashboard_name"),
    "aws_sns_topic": ("sns_topic", "name"),
    "aws_iam_role": ("iam_role", "name"),
    "aws_kms_alias": ("kms_alias", "name"),
}
# Resources that another tool owns on purpose, by name suffix: never orphans, and never deleted from here.
# `python -m data migrate` records applied migrations in "<items table>-migrations" (data/migrations).
OWNED_OUTSIDE_TERRAFORM = {
    ("dynamodb_table", RECORD_TABLE_SUFFIX): "migration record of `python -m data migrate`"
}


class StateUnavailableError(RuntimeError):
    """The environment's Terraform state could not be read."""


def owner_outside_terraform(resource: Resource) -> str | None:
    for (kind, suffix), owner in OWNED_OUTSIDE_TERRAFORM.items():
        if resource.kind == kind and resource.name.endswith(suffix):
            return owner
    return None


def read_state(env: str, state_file: Path | None) -> dict[str, Any]:
    """The environment's Terraform state: a local file, or `terraform state pull` from its backend."""
    if state_file is not None:
        return dict(json.loads(state_file.read_text()))

    stack = REPO_ROOT / "infrastructure" / "environments" / env
    result = subprocess.run(  # noqa: S603 - terraform with fixed arguments
        [TERRAFORM, "state", "pull"],
        cwd=stack,
        env=terraform_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise StateUnavailableError(
            f"`terraform state pull` failed in {stack.relative_to(REPO_ROOT)} ({' '.join(reason)}): "
            "run `terraform init` there with the backend configured, or pass --state-file"
        )
    return dict(json.loads(result.stdout or "{}"))


def managed_resources(state: dict[str, Any]) -> set[Resource]:
    managed = set()
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed" or resource.get("type") not in MANAGED_NAME_ATTRIBUTES:
            continue
        kind, attribute = MANAGED_NAME_ATTRIBUTES[resource["type"]]
        for instance in resource.get("instances", []):
            name = instance.get("attributes", {}).get(attribute)
            if name:
                managed.add(Resource(kind, name))
    return managed


def _delete_log_group(aws: Aws, name: str) -> None:
    aws.client("logs").delete_log_group(logGroupName=name)


def _delete_table(aws: Aws, name: str) -> None:
    dynamodb = aws.client("dynamodb")
    dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
    dynamodb.delete_table(TableName=name)


def _delete_function(aws: Aws, name: str) -> None:
    aws.client("lambda").delete_function(FunctionName=name)


def _delete_alarm(aws: Aws, name: str) -> None:
    aws.client("cloudwatch").delete_alarms(AlarmNames=[name])


def _delete_dashboard(aws: Aws, name: str) -> None:
    aws.client("cloudwatch").delete_dashboards(DashboardNames=[name])


def _delete_topic(aws: Aws, name: str) -> None:
    region = aws.session.region_name
    aws.client("sns").delete_topic(TopicArn=f"arn:aws:sns:{region}:{aws.account_id()}:{name}")


DELETERS: dict[str, Callable[[Aws, str], None]] = {
    "log_group": _delete_log_group,
    "dynamodb_table": _delete_table,
    "lambda_function": _delete_function,
    "metric_alarm": _delete_alarm,
    "dashboard": _delete_dashboard,
    "sns_topic": _delete_topic,
}


def main(argv: list[str] | None = None) -> int:
    parser = script_parser(__doc__)
    parser.add_argument("--state-file", type=Path, help="local state file (default: `terraform state pull`)")
    parser.add_argument("--delete", action="store_true", help="delete the orphans (destructive)")
    parser.add_argument("--confirm", metavar="ENV", help="required with --delete: the environment name again")
    args = parser.parse_args(argv)
    if args.delete and args.confirm != args.env:
        return fail(
            f"--delete removes resources in {args.env}: repeat the environment with --confirm {args.env}"
        )

    aws = connect(args)  # first: without a cloud to compare with, the state does not matter
    try:
        state = read_state(args.env, args.state_file)
    except (StateUnavailableError, OSError, json.JSONDecodeError) as error:
        return fail(f"cannot read the Terraform state of {args.env}: {error}")
    prefix = contract.name("env_prefix", args.env)
    inventoried = set(inventory(aws, prefix))
    owned_elsewhere = {resource for resource in inventoried if owner_outside_terraform(resource)}
    found = inventoried - owned_elsewhere
    managed = {resource for resource in managed_resources(state) if prefix in resource.name}
    orphans, missing = sorted(found - managed), sorted(managed - found)

    deleted: list[Resource] = []
    if args.delete:
        for orphan in orphans:
            if orphan.kind in DELETERS:
                DELETERS[orphan.kind](aws, orphan.name)
                deleted.append(orphan)

    if args.json:
        print(
            json.dumps(
                {
                    "orphans": [vars(o) for o in orphans],
                    "missing": [vars(m) for m in missing],
                    "deleted": [vars(d) for d in deleted],
                    "ownedOutsideTerraform": [vars(o) for o in sorted(owned_elsewhere)],
                },
                indent=2,
            )
        )
    else:
        print(f"{len(found)} resources named {prefix}-*, {len(managed)} in the state")
        for other in sorted(owned_elsewhere):
            print(f"KNOWN    {other.kind:16} {other.name}  ({owner_outside_terraform(other)})")
        for orphan in orphans:
            print(f"ORPHAN   {orphan.kind:16} {orphan.name}" + ("  (deleted)" if orphan in deleted else ""))
        for gone in missing:
            print(f"MISSING  {gone.kind:16} {gone.name}  (in the state, not in the account)")
        if not orphans and not missing:
            print("no orphans, no drift")
    remaining = [orphan for orphan in orphans if orphan not in deleted]
    return 1 if remaining or missing else 0


if __name__ == "__main__":
    run_tool(main)
