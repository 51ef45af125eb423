"""Run a deployment command and record one structured event of it, whatever its result.

    python -m ci.steps.deployment_event --env dev --stage apply -- terraform -chdir=… apply …
    python -m ci.steps.deployment_event --env dev --stage deploy --record build/reports/deploy-dev.json \
        -- python -m ci.steps.deploy …

The event (env, stage, commit, actor, versions, result, duration) goes to the env's log group
``/items-service/<env>/deployments`` (created by Terraform, 30 days, KMS), one log stream per event. The
command's exit code is this step's exit code: an event that cannot be written (the group does not exist yet
on a first failed apply, no permission) is reported as a ``note:`` line and never changes the result.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ci.common import contract
from ci.common.paths import REPO_ROOT


def commit(environ: Mapping[str, str]) -> str:
    if environ.get("GITHUB_SHA"):
        return environ["GITHUB_SHA"]
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() if completed.returncode == 0 else "unknown"


def actor(environ: Mapping[str, str]) -> str:
    return environ.get("GITHUB_ACTOR") or environ.get("USER") or "unknown"


def caller_arn() -> str | None:
    try:
        return str(boto3.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError):
        return None


def versions(record: Path | None) -> dict[str, Any]:
    """What the stage moved: the deploy record's versions and artifact, when there is one."""
    if record is None or not record.is_file():
        return {}
    data = json.loads(record.read_text())
    keys = ("version", "previous_version", "sha256", "artifact")
    return {key: data[key] for key in keys if key in data}


def build_event(
    args: argparse.Namespace, exit_code: int, started: float, seconds: float, environ: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "env": args.env,
        "stage": args.stage,
        "commit": commit(environ),
        "actor": actor(environ),
        "principal": caller_arn(),
        "run_id": environ.get("GITHUB_RUN_ID") or environ.get("CI_RUN_ID"),
        "versions": versions(args.record),
        "result": "success" if exit_code == 0 else "failure",
        "exit_code": exit_code,
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(seconds, 1),
    }


def write_event(event: dict[str, Any], log_group: str) -> str:
    """Put the event in its own stream of ``log_group``; returns the stream name."""
    logs = boto3.client("logs")
    stream = f"{event['stage']}/{event['started_at'].replace(':', '-')}/{uuid.uuid4().hex[:8]}"
    logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=log_group,
        logStreamName=stream,
        logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(event, sort_keys=True)}],
    )
    return stream


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.steps.deployment_event", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--env", required=True, choices=contract.environments())
    parser.add_argument("--stage", required=True, help="the pipeline stage (apply, deploy, rollback)")
    parser.add_argument("--record", type=Path, help="the deploy record to take the versions from")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    started = time.time()
    try:
        exit_code = subprocess.run(command, check=False).returncode  # noqa: S603 - the stage's own command
    except OSError as error:
        print(f"error: cannot run {command[0]}: {error}", file=sys.stderr)
        exit_code = 127
    event = build_event(args, exit_code, started, time.time() - started, os.environ)
    log_group = contract.name("deployment_log_group", args.env)
    print(f"deployment event: {json.dumps(event, sort_keys=True)}", flush=True)
    try:
        stream = write_event(event, log_group)
    except (BotoCoreError, ClientError) as error:
        print(f"note: deployment event not recorded in {log_group}: {error}", flush=True)
    else:
        print(f"deployment event recorded in {log_group} ({stream})", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
