"""Deploy the API handler zip: content-addressed upload, new code, a published version, alias `live` moved.

    python -m ci.steps.deploy --outputs build/terraform/dev/outputs.json --artifact build/dist/api_handler.zip

Reads the function, alias and artifact bucket from Terraform's outputs when `apply` ran in this job;
otherwise (a code-only deployment, whose role may not read Terraform state) from the project's naming
convention and the caller's account. Prints the command that moves the alias back to the version it
pointed at before, and records the deployment as JSON. boto3 honours AWS_ENDPOINT_URL, which is how the
same code deploys to the local cloud.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from ci.common import contract

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

ARTIFACT_PREFIX = "functions/api_handler"


@dataclass(frozen=True)
class Target:
    function_name: str
    alias: str
    bucket: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any]) -> Target:
        def value(name: str) -> str:
            try:
                return str(outputs[name]["value"])
            except KeyError:
                raise SystemExit(f"terraform outputs lack {name!r}; was `apply` run for this env?") from None

        return cls(value("function_name"), value("function_alias_name"), value("artifact_bucket"))

    @classmethod
    def from_convention(cls, env: str, account_id: str) -> Target:
        """The names every environment uses (see the Terraform contract)."""
        return cls(
            contract.name("api_function", env),
            contract.function_alias(),
            contract.name("artifacts_bucket", env, account_id=account_id),
        )


@dataclass(frozen=True)
class Deployment:
    function_name: str
    alias: str
    version: str
    previous_version: str | None
    artifact: str
    sha256: str
    rollback_command: str | None


def artifact_key(zip_bytes: bytes) -> str:
    return f"{ARTIFACT_PREFIX}/{hashlib.sha256(zip_bytes).hexdigest()}.zip"


def rollback_command(target: Target, previous_version: str | None) -> str | None:
    if previous_version is None:
        return None
    return shlex.join(
        [
            "aws",
            "lambda",
            "update-alias",
            "--function-name",
            target.function_name,
            "--name",
            target.alias,
            "--function-version",
            previous_version,
        ]
    )


def deploy(target: Target, zip_bytes: bytes, s3: S3Client, lambda_client: LambdaClient) -> Deployment:
    key = artifact_key(zip_bytes)
    # Same content, same key: re-uploading is harmless, and the object stays for rollbacks.
    s3.put_object(Bucket=target.bucket, Key=key, Body=zip_bytes)
    try:
        previous: str | None = lambda_client.get_alias(FunctionName=target.function_name, Name=target.alias)[
            "FunctionVersion"
        ]
    except lambda_client.exceptions.ResourceNotFoundException:
        previous = None
    updated = lambda_client.update_function_code(
        FunctionName=target.function_name, S3Bucket=target.bucket, S3Key=key
    )
    expected_sha = base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    if updated["CodeSha256"] != expected_sha:
        raise SystemExit(f"Lambda reports code {updated['CodeSha256']}, expected {expected_sha}")
    lambda_client.get_waiter("function_updated").wait(
        FunctionName=target.function_name, WaiterConfig={"Delay": 2, "MaxAttempts": 90}
    )
    # CodeSha256 makes publishing fail if someone else changed the code in between.
    version = lambda_client.publish_version(FunctionName=target.function_name, CodeSha256=expected_sha)[
        "Version"
    ]
    lambda_client.update_alias(FunctionName=target.function_name, Name=target.alias, FunctionVersion=version)
    return Deployment(
        function_name=target.function_name,
        alias=target.alias,
        version=version,
        previous_version=previous,
        artifact=f"s3://{target.bucket}/{key}",
        sha256=hashlib.sha256(zip_bytes).hexdigest(),
        rollback_command=rollback_command(target, previous),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.steps.deploy", description=__doc__.split("\n")[0])
    parser.add_argument("--env", required=True, help="environment name (for the naming convention)")
    parser.add_argument("--outputs", type=Path, required=True, help="terraform output -json of the env")
    parser.add_argument("--artifact", type=Path, required=True)
    parser.add_argument("--record", type=Path, help="write the deployment as JSON here")
    args = parser.parse_args(argv)
    if not args.artifact.is_file():
        print(f"{args.artifact} does not exist: run the package stage first", file=sys.stderr)
        return 1
    if args.outputs.is_file():
        target = Target.from_outputs(json.loads(args.outputs.read_text()))
    else:
        account_id = boto3.client("sts").get_caller_identity()["Account"]
        target = Target.from_convention(args.env, account_id)
        print(f"{args.outputs} absent (apply did not run here): using the naming convention, {target}")
    deployment = deploy(target, args.artifact.read_bytes(), boto3.client("s3"), boto3.client("lambda"))
    print(f"deployed {deployment.artifact} as {deployment.function_name} version {deployment.version}")
    print(f"alias {deployment.alias} -> {deployment.version} (was {deployment.previous_version or 'unset'})")
    if deployment.rollback_command:
        print(f"rollback: {deployment.rollback_command}")
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(asdict(deployment), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
