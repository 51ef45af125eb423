#!/usr/bin/env python3
"""Make tearing an environment down safe: look before, destroy only when told twice, prove nothing is left.

  check   (default, read-only) what a destroy would remove and what would stop it: deletion-protected
          tables, non-empty buckets where the environment does not force-destroy them, and whether the
          environment is protected. Exit 1 when anything would block the destroy.
  destroy runs `terraform destroy` for the environment (offline provider config from ci/common/terraform_cli),
          removes the record `python -m data migrate` keeps beside the tables it destroyed, then verifies.
          Destructive: needs --confirm <env>; prod additionally needs --allow-prod.
  verify  (read-only) after a destroy: exit 1 if any items-service-<env>-* resource is still there.

Examples:
  python -m infrastructure.ops.destroy_validation --env dev
  python -m infrastructure.ops.destroy_validation --env local --endpoint-url http://127.0.0.1:5000 \\
      destroy --confirm local --state-file /tmp/local.tfstate
  python -m infrastructure.ops.destroy_validation --env dev verify
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.common.terraform_cli import terraform_env
from data.migrations import RECORD_TABLE_SUFFIX
from infrastructure.ops.ops_common import Aws, Resource, connect, fail, inventory, run_tool, script_parser

TERRAFORM = shutil.which("terraform") or "terraform"
PROTECTED_ENVIRONMENTS = contract.protected_environments()


FORCE_DESTROY = re.compile(r"^\s*force_destroy_buckets\s*=\s*(true|false)\b", re.MULTILINE)


def force_destroys_buckets(env: str, root: Path = REPO_ROOT) -> bool:
    """Whether the env's Terraform empties its buckets on destroy (the setting in its root's main.tf)."""
    settings = root / "infrastructure" / "environments" / env / "main.tf"
    match = FORCE_DESTROY.search(settings.read_text()) if settings.is_file() else None
    return bool(match and match.group(1) == "true")


@dataclass(frozen=True)
class Blocker:
    resource: Resource
    reason: str


def blockers(aws: Aws, resources: list[Resource], force_destroy: bool) -> list[Blocker]:
    """Resources `terraform destroy` would fail on (or refuse to empty) as configured."""
    found = []
    dynamodb, s3 = aws.client("dynamodb"), aws.client("s3")
    for resource in resources:
        if resource.kind == "dynamodb_table":
            table = dynamodb.describe_table(TableName=resource.name)["Table"]
            if table.get("DeletionProtectionEnabled"):
                found.append(
                    Blocker(
                        resource, "deletion protection is on (set deletion_protection_enabled = false first)"
                    )
                )
        elif resource.kind == "s3_bucket" and not force_destroy:
            versions = s3.list_object_versions(Bucket=resource.name, MaxKeys=1)
            if versions.get("Versions") or versions.get("DeleteMarkers"):
                found.append(
                    Blocker(resource, "not empty, and this environment has force_destroy_buckets = false")
                )
    return found


def check(aws: Aws, args: argparse.Namespace) -> int:
    resources = inventory(aws, contract.name("env_prefix", args.env))
    found = blockers(aws, resources, force_destroys_buckets(args.env))
    if args.json:
        print(
            json.dumps(
                {
                    "resources": [vars(r) for r in resources],
                    "blockers": [{"resource": vars(b.resource), "reason": b.reason} for b in found],
                    "protected_environment": args.env in PROTECTED_ENVIRONMENTS,
                },
                indent=2,
            )
        )
    else:
        print(f"A destroy of {args.env} would remove {len(resources)} named resources (plus their settings):")
        for resource in resources:
            print(f"  {resource.kind:16} {resource.name}")
        for blocker in found:
            print(f"BLOCKER  {blocker.resource.kind} {blocker.resource.name}: {blocker.reason}")
        if args.env in PROTECTED_ENVIRONMENTS:
            print(f"NOTE     {args.env} is protected: destroy also needs --allow-prod")
        if found:
            print(f"{len(found)} blocker(s): a destroy would fail until they are resolved")
    return 1 if found else 0


def verify(aws: Aws, args: argparse.Namespace) -> int:
    remaining = inventory(aws, contract.name("env_prefix", args.env))
    if args.json:
        print(json.dumps({"remaining": [vars(r) for r in remaining]}, indent=2))
    else:
        for resource in remaining:
            print(f"REMAINS  {resource.kind:16} {resource.name}")
        print("nothing left" if not remaining else f"{len(remaining)} resources survived the destroy")
    return 1 if remaining else 0


def destroy(aws: Aws, args: argparse.Namespace) -> int:
    if args.confirm != args.env:
        return fail(
            f"destroy removes every resource of {args.env}: repeat the environment with --confirm {args.env}"
        )
    if args.env in PROTECTED_ENVIRONMENTS and not args.allow_prod:
        return fail(f"{args.env} is protected: add --allow-prod if you really mean it")

    stack_dir, env = REPO_ROOT / "infrastructure" / "environments" / args.env, terraform_env()
    if aws.endpoint_url:
        # Terraform destroys where this tool looks and verifies (--endpoint-url, AWS_ENDPOINT_URL, or for env
        # local the running `ci local up`), never in real AWS while the checks read an emulator.
        env["AWS_ENDPOINT_URL"] = aws.endpoint_url
    # Idempotent: keeps an initialised backend, and lets a fresh checkout destroy env local.
    init = subprocess.run(  # noqa: S603 - terraform with fixed arguments
        [TERRAFORM, "init", "-input=false", "-no-color"], cwd=stack_dir, env=env, check=False
    )
    if init.returncode != 0:
        return fail("terraform init failed: initialise the backend first (see docs/DEPLOYMENT.md)", code=1)
    command = [TERRAFORM, "destroy", "-auto-approve", "-input=false", "-no-color"]
    if args.state_file:
        command.append(f"-state={args.state_file}")
    command += [f"-var={assignment}" for assignment in args.var]
    result = subprocess.run(  # noqa: S603 - terraform with our own arguments
        command, cwd=stack_dir, env=env, check=False
    )
    if result.returncode != 0:
        return fail(f"terraform destroy failed with exit code {result.returncode}", code=1)
    delete_migration_record(aws, args.env)
    return verify(aws, args)


def delete_migration_record(aws: Aws, env: str) -> None:
    """Remove `python -m data migrate`'s record table once Terraform has destroyed the tables it describes.

    Terraform does not manage it, so `terraform destroy` leaves it; but it belongs to the environment (the
    check above lists it among what a destroy removes), and kept, it would tell a re-created environment
    that its fresh tables were already migrated.
    """
    dynamodb = aws.client("dynamodb")
    record = contract.name("items_table", env) + RECORD_TABLE_SUFFIX
    try:
        dynamodb.delete_table(TableName=record)
    except dynamodb.exceptions.ResourceNotFoundException:
        return  # migrations never ran in this environment
    dynamodb.get_waiter("table_not_exists").wait(
        TableName=record, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
    )
    print(f"deleted {record} (the migration record of the destroyed tables)")


def main(argv: list[str] | None = None) -> int:
    parser = script_parser(__doc__, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("action", nargs="?", choices=("check", "destroy", "verify"), default="check")
    parser.add_argument("--confirm", metavar="ENV", help="destroy only: the environment name again")
    parser.add_argument("--allow-prod", action="store_true", help="destroy only: permit destroying prod")
    parser.add_argument("--state-file", type=Path, help="destroy only: local state file (env local)")
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="destroy only: terraform -var"
    )
    args = parser.parse_args(argv)
    if args.action == "destroy" and args.confirm != args.env:
        return fail(
            f"destroy removes every resource of {args.env}: repeat the environment with --confirm {args.env}"
        )
    if args.state_file is not None and not args.state_file.is_file():
        # Terraform reads a missing state file as an empty state: it would "destroy" nothing and succeed.
        return fail(f"--state-file {args.state_file}: no such file")
    aws = connect(args)
    return {"check": check, "destroy": destroy, "verify": verify}[args.action](aws, args)


if __name__ == "__main__":
    run_tool(main)
