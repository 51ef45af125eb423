"""Deploy the API handler zip: content-addressed upload, new code, a published version, alias `live` moved.

    python -m ci.steps.deploy --env dev --outputs build/terraform/dev/outputs.json \
        --artifact build/dist/api_handler.zip [--percent-steps 10,50 --step-seconds 60 | --at-once]

Reads the function, alias and artifact bucket from Terraform's outputs when `apply` ran in this job;
otherwise (a code-only deployment, whose role may not read Terraform state) from the project's naming
convention and the caller's account. The alias moves at once or gradually, as the env's
``gradual_deployment`` in data/contract.json says (ci/steps/traffic_shift.py; the options override it); a
canary that trips an alarm or the probe is routed back and fails this step. Prints the command that moves
the alias back to the version it pointed at before, and records the deployment as JSON. boto3 honours
AWS_ENDPOINT_URL, which is how the same code deploys to the local cloud.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from ci.common import contract
from ci.common.stack_outputs import stack_outputs
from ci.steps.smoke import api_url
from ci.steps.traffic_shift import CanaryFailed, GradualDeployment, HealthWatch, ShiftReport, shift

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

ARTIFACT_PREFIX = "functions/api_handler"
# S3's answers to a conditional upload whose key already holds an object (or is being written right now).
ALREADY_STORED_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


@dataclass(frozen=True)
class Target:
    function_name: str
    alias: str
    bucket: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any]) -> Target:
        values = stack_outputs(outputs)

        def value(name: str) -> str:
            try:
                return str(values[name])
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
    strategy: str = "at once"
    steps: list[dict[str, Any]] | None = None
    result: str = "deployed"


def artifact_key(zip_bytes: bytes) -> str:
    return f"{ARTIFACT_PREFIX}/{hashlib.sha256(zip_bytes).hexdigest()}.zip"


def upload_artifact(s3: S3Client, bucket: str, zip_bytes: bytes) -> str:
    """Put the zip at its content-addressed key unless an object is already there; return the key.

    The key names the content, so an object at it is this zip. Terraform usually uploaded it (the apply in
    the same run) and owns that object, with its content type and tags: writing it again would strip both
    and leave every later plan with a change to undo. ``If-None-Match: *`` makes S3 refuse the write (412)
    when the key exists, in one request that needs nothing beyond ``s3:PutObject``; a concurrent
    conditional write to the same key (409) means the same content is being stored too.
    """
    key = artifact_key(zip_bytes)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=zip_bytes, ContentType="application/zip", IfNoneMatch="*")
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ALREADY_STORED_CODES:
            raise
    return key


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


@dataclass(frozen=True)
class Rollout:
    """How the alias moves and what judges a canary."""

    strategy: GradualDeployment | None
    cloudwatch: CloudWatchClient | None = None
    alarm_prefix: str = ""
    api_url: str | None = None
    api_token: str | None = None  # API_TOKEN, for an API guarded by the JWT authorizer

    def health(self) -> HealthWatch:
        if self.cloudwatch is None or self.strategy is None:
            raise RuntimeError("a gradual deployment needs CloudWatch and a strategy")
        return HealthWatch(
            self.cloudwatch,
            self.alarm_prefix,
            self.api_url,
            self.strategy.probe_requests,
            api_token=self.api_token,
        )


def deploy(
    target: Target,
    zip_bytes: bytes,
    s3: S3Client,
    lambda_client: LambdaClient,
    rollout: Rollout | None = None,
) -> Deployment:
    """Upload, publish, move the alias; a failed canary raises DeploymentFailed (alias routed back)."""
    rollout = rollout or Rollout(strategy=None)
    key = upload_artifact(s3, target.bucket, zip_bytes)
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

    def record(report: ShiftReport | None, result: str) -> Deployment:
        return Deployment(
            function_name=target.function_name,
            alias=target.alias,
            version=version,
            previous_version=previous,
            artifact=f"s3://{target.bucket}/{key}",
            sha256=hashlib.sha256(zip_bytes).hexdigest(),
            rollback_command=rollback_command(target, previous),
            strategy=report.strategy if report else (rollout.strategy.describe() if rollout.strategy else ""),
            steps=[asdict(step) for step in report.steps] if report else None,
            result=result,
        )

    try:
        report = shift(
            lambda_client,
            target.function_name,
            target.alias,
            previous,
            version,
            rollout.strategy,
            rollout.health,
        )
    except CanaryFailed as failure:
        raise DeploymentFailed(str(failure), record(None, f"rolled back: {failure}")) from failure
    return record(report, "deployed")


class DeploymentFailed(RuntimeError):
    def __init__(self, reason: str, deployment: Deployment) -> None:
        super().__init__(reason)
        self.deployment = deployment


def _strategy(args: argparse.Namespace) -> GradualDeployment | None:
    if args.at_once:
        return None
    configured = GradualDeployment.from_settings(contract.gradual_deployment(args.env))
    if args.percent_steps is None and args.step_seconds is None:
        return configured
    steps = args.percent_steps or (configured.percent_steps if configured else (10.0,))
    return GradualDeployment(
        percent_steps=tuple(steps),
        step_seconds=args.step_seconds if args.step_seconds is not None else 60.0,
        probe_requests=args.probe_requests,
    )


def _percent_steps(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected percentages like 10,50, got {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.steps.deploy", description=__doc__.split("\n")[0])
    parser.add_argument("--env", required=True, help="environment name (for the naming convention)")
    parser.add_argument("--outputs", type=Path, required=True, help="terraform output -json of the env")
    parser.add_argument("--artifact", type=Path, required=True)
    parser.add_argument("--record", type=Path, help="write the deployment as JSON here")
    shifting = parser.add_argument_group(
        "traffic shift (default: the env's gradual_deployment in the contract)"
    )
    shifting.add_argument("--at-once", action="store_true", help="move the alias in one step")
    shifting.add_argument("--percent-steps", type=_percent_steps, help="canary steps, e.g. 10,50")
    shifting.add_argument("--step-seconds", type=float, help="time each step is watched")
    shifting.add_argument(
        "--probe-requests", type=int, default=20, help="probe requests per step (default 20)"
    )
    args = parser.parse_args(argv)
    if not args.artifact.is_file():
        print(f"{args.artifact} does not exist: run the package stage first", file=sys.stderr)
        return 1
    try:
        strategy = _strategy(args)
    except ValueError as error:
        parser.error(str(error))
    if args.outputs.is_file():
        target = Target.from_outputs(json.loads(args.outputs.read_text()))
    else:
        account_id = boto3.client("sts").get_caller_identity()["Account"]
        target = Target.from_convention(args.env, account_id)
        print(f"{args.outputs} absent (apply did not run here): using the naming convention, {target}")
    rollout = Rollout(
        strategy=strategy,
        cloudwatch=boto3.client("cloudwatch") if strategy else None,
        alarm_prefix=f"{contract.name('env_prefix', args.env)}-",
        api_url=api_url(os.environ, args.outputs),
        api_token=os.environ.get("API_TOKEN") or None,
    )
    print(f"traffic shift: {strategy.describe() if strategy else 'at once'}", flush=True)
    try:
        deployment = deploy(
            target, args.artifact.read_bytes(), boto3.client("s3"), boto3.client("lambda"), rollout
        )
    except DeploymentFailed as failure:
        _write_record(args.record, failure.deployment)
        print(f"error: {failure}", file=sys.stderr)
        return 1
    print(f"deployed {deployment.artifact} as {deployment.function_name} version {deployment.version}")
    print(f"alias {deployment.alias} -> {deployment.version} (was {deployment.previous_version or 'unset'})")
    if deployment.rollback_command:
        print(f"rollback: python -m ci rollback --env {args.env}   (or: {deployment.rollback_command})")
    _write_record(args.record, deployment)
    return 0


def _write_record(path: Path | None, deployment: Deployment) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(deployment), indent=2) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
