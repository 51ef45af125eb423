"""ci.steps.deployment_event: the command's result is the step's result, and one event records it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.local.emulator import MotoServer


def _run(endpoint: str, env_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {"AWS_ENDPOINT_URL": endpoint, "GITHUB_SHA": "abc123", "GITHUB_ACTOR": "octocat"}
    return subprocess.run(
        [sys.executable, "-m", "ci.steps.deployment_event", "--env", env_name, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def log_group(moto_server: MotoServer, fake_aws_env: dict[str, str]) -> Any:
    logs = boto3.client("logs", endpoint_url=moto_server.endpoint_url)
    group = contract.name("deployment_log_group", "staging")
    logs.create_log_group(logGroupName=group)
    yield logs, group
    logs.delete_log_group(logGroupName=group)


def _events(logs: Any, group: str) -> list[dict[str, Any]]:
    return [json.loads(event["message"]) for event in logs.filter_log_events(logGroupName=group)["events"]]


def test_a_failing_command_keeps_its_exit_code_and_is_recorded_as_a_failure(
    log_group: Any, moto_server: MotoServer
) -> None:
    logs, group = log_group
    result = _run(
        moto_server.endpoint_url, "staging", "--stage", "apply", "--", sys.executable, "-c", "exit(3)"
    )
    assert result.returncode == 3, result.stderr
    [event] = _events(logs, group)
    assert event["result"] == "failure"
    assert event["exit_code"] == 3
    assert (event["env"], event["stage"], event["commit"], event["actor"]) == (
        "staging",
        "apply",
        "abc123",
        "octocat",
    )
    assert event["duration_seconds"] >= 0


def test_a_deploy_event_carries_the_versions_of_its_record(
    log_group: Any, moto_server: MotoServer, tmp_path: Path
) -> None:
    logs, group = log_group
    record = tmp_path / "deploy.json"
    record.write_text(json.dumps({"version": "7", "previous_version": "6", "sha256": "f00", "alias": "live"}))
    result = _run(
        moto_server.endpoint_url, "staging", "--stage", "deploy", "--record", str(record), "--",
        sys.executable, "-c", "pass",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [event] = _events(logs, group)
    assert event["result"] == "success"
    assert event["versions"] == {"version": "7", "previous_version": "6", "sha256": "f00"}


def test_an_event_that_cannot_be_written_is_a_note_and_never_changes_the_result(
    moto_server: MotoServer, fake_aws_env: dict[str, str]
) -> None:
    # env prod's group does not exist in this emulator (as after a first apply that failed)
    result = _run(moto_server.endpoint_url, "prod", "--stage", "apply", "--", sys.executable, "-c", "pass")
    assert result.returncode == 0
    assert "note: deployment event not recorded in /items-service/prod/deployments" in result.stdout


def test_a_command_that_cannot_start_fails_the_step_in_one_line(
    moto_server: MotoServer, fake_aws_env: dict[str, str]
) -> None:
    result = _run(
        moto_server.endpoint_url, "prod", "--stage", "apply", "--", f"no-such-tool-{uuid.uuid4().hex}"
    )
    assert result.returncode == 127
    assert "error: cannot run no-such-tool" in result.stderr
    assert "Traceback" not in result.stderr
