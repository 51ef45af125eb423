"""Gradual deploys and rollback in the local cloud: the deploy step and `ci rollback` against a data plane
that honours the alias's routing weights, with the probe function as the API's Lambda."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ci.common.paths import REPO_ROOT
from ci.local.data_plane import LocalDataPlane
from ci.local.emulator import FAKE_AWS_ENV, MotoServer
from tests.local.conftest import BUCKET, FUNCTION_NAME, ProbeDeployment, build_probe_zip
from tests.local.http_client import call

BROKEN_RELEASE = "\n\ndef lambda_handler(event, context):\n    raise RuntimeError('broken release')\n"
DEPLOYMENT_LOG_GROUP = "/items-service/local/deployments"


def served_versions(plane: LocalDataPlane, requests: int) -> Counter[str]:
    """Which version answered each of ``requests`` GET /items?limit=1 ("5xx" for a failed answer)."""
    seen: Counter[str] = Counter()
    for _ in range(requests):
        reply = call(plane.url, "GET", "/items?limit=1")
        seen[reply.json()["functionVersion"] if reply.status == 200 else "5xx"] += 1
    return seen


def wait_until(predicate: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail("condition not met in time")


def alias(probe_deployment: ProbeDeployment) -> dict[str, Any]:
    found: dict[str, Any] = probe_deployment.session_client("lambda").get_alias(
        FunctionName=FUNCTION_NAME, Name="live"
    )
    return found


def routing(alias_state: dict[str, Any]) -> dict[str, float]:
    weights: dict[str, float] = (alias_state.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return weights


def run_ci(
    emulator: MotoServer, plane: LocalDataPlane, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **FAKE_AWS_ENV, "AWS_ENDPOINT_URL": emulator.endpoint_url, "API_URL": plane.url}
    command = [sys.executable, "-m", *args]
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def deploy(
    emulator: MotoServer, plane: LocalDataPlane, tmp_path: Path, archive: bytes, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The pipeline's deploy step, with outputs naming the probe deployment's function and bucket."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "function_name": {"value": FUNCTION_NAME},
                "function_alias_name": {"value": "live"},
                "artifact_bucket": {"value": BUCKET},
            }
        )
    )
    artifact, record = tmp_path / "release.zip", tmp_path / "deploy.json"
    artifact.write_bytes(archive)
    args = ("--outputs", str(outputs), "--artifact", str(artifact), "--record", str(record), *options)
    completed = run_ci(emulator, plane, tmp_path, "ci.steps.deploy", "--env", "local", *args)
    return completed, json.loads(record.read_text()) if record.is_file() else {}


@pytest.fixture(scope="module", autouse=True)
def deployment_log_group(probe_deployment: ProbeDeployment) -> None:
    probe_deployment.session_client("logs").create_log_group(logGroupName=DEPLOYMENT_LOG_GROUP)


def test_a_weighted_alias_shares_requests_between_its_versions(
    data_plane: LocalDataPlane, probe_deployment: ProbeDeployment
) -> None:
    # Given a second version of the API's function, and the alias routing a quarter of requests to it
    version = probe_deployment.redeploy(FUNCTION_NAME, build_probe_zip("\nRELEASE = 'weighted'\n"))
    # (redeploy points the alias at the new version: wait until the data plane serves it, so that the only
    # later state in which the previous version answers is the weighted one)
    wait_until(lambda: served_versions(data_plane, 4) == Counter({version: 4}))
    lambda_client = probe_deployment.session_client("lambda")
    previous = str(int(version) - 1)
    lambda_client.update_alias(
        FunctionName=FUNCTION_NAME,
        Name="live",
        FunctionVersion=previous,
        RoutingConfig={"AdditionalVersionWeights": {version: 0.25}},
    )
    wait_until(lambda: served_versions(data_plane, 4)[previous])
    # Then the data plane shares requests by weight, evenly spread
    assert served_versions(data_plane, 40) == Counter({previous: 30, version: 10})
    # When the routing is cleared, everything goes to the version the alias points at
    lambda_client.update_alias(
        FunctionName=FUNCTION_NAME,
        Name="live",
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    wait_until(lambda: served_versions(data_plane, 4) == Counter({version: 4}))


def test_a_canary_that_fails_the_probe_is_rolled_back_and_the_deploy_fails_naming_it(
    emulator: MotoServer, data_plane: LocalDataPlane, probe_deployment: ProbeDeployment, tmp_path: Path
) -> None:
    # Given a healthy version behind the alias
    good = alias(probe_deployment)["FunctionVersion"]
    # When a release whose handler fails on every request is deployed gradually
    completed, record = deploy(
        emulator,
        data_plane,
        tmp_path,
        build_probe_zip(BROKEN_RELEASE),
        *("--percent-steps", "25,50", "--step-seconds", "1", "--probe-requests", "8"),
    )
    # Then the step fails, naming the probe and the step, and the alias serves the good version again
    assert completed.returncode == 1, completed.stdout + completed.stderr
    # (2 of 8 once the data plane has the 25 % routing; fewer, or none and then the 50 % step fails, when a
    # loaded machine delays its refresh into the probe: the even spread itself is proven by the test above)
    failure = re.search(
        r"failed at (25|50) %: probe: ([1-8]) of 8 requests to GET /items\?limit=1 failed \(502\)",
        completed.stderr,
    )
    assert failure, completed.stderr
    assert f"live routes 100 % to version {good} again" in completed.stderr
    assert "canary: 25 % of live" in completed.stdout
    current = alias(probe_deployment)
    assert current["FunctionVersion"] == good
    assert not routing(current)
    assert record["result"].startswith("rolled back: canary of version")
    wait_until(lambda: served_versions(data_plane, 8) == Counter({good: 8}))


def test_a_canary_whose_alarm_fires_is_rolled_back_naming_the_alarm(
    emulator: MotoServer, data_plane: LocalDataPlane, probe_deployment: ProbeDeployment, tmp_path: Path
) -> None:
    # Given an alarm of the env, quiet, and a healthy version behind the alias
    cloudwatch = probe_deployment.session_client("cloudwatch")
    alarm = "items-service-local-lambda-errors"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet before the release")
    good = alias(probe_deployment)["FunctionVersion"]
    # When a release is deployed gradually and the alarm fires while the canary runs
    env = {**os.environ, **FAKE_AWS_ENV, "AWS_ENDPOINT_URL": emulator.endpoint_url, "API_URL": data_plane.url}
    artifact = tmp_path / "release.zip"
    artifact.write_bytes(build_probe_zip("\nRELEASE = 'alarming'\n"))
    outputs = tmp_path / "absent-outputs.json"
    command = [sys.executable, "-m", "ci.steps.deploy", "--env", "local", "--outputs", str(outputs)]
    command += ["--artifact", str(artifact), "--percent-steps", "10", "--step-seconds", "8"]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until(lambda: routing(alias(probe_deployment)))
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors in the canary")
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        cloudwatch.delete_alarms(AlarmNames=[alarm])
    # Then the step fails naming the alarm, and the alias routes everything to the good version
    assert process.returncode == 1, stdout + stderr
    assert f"failed at 10 %: alarm {alarm} in ALARM" in stderr
    current = alias(probe_deployment)
    assert current["FunctionVersion"] == good
    assert not routing(current)


def test_a_healthy_canary_is_promoted_to_all_traffic_step_by_step(
    emulator: MotoServer, data_plane: LocalDataPlane, probe_deployment: ProbeDeployment, tmp_path: Path
) -> None:
    # When a healthy release is deployed in two steps
    completed, record = deploy(
        emulator,
        data_plane,
        tmp_path,
        build_probe_zip("\nRELEASE = 'healthy'\n"),
        *("--percent-steps", "25,50", "--step-seconds", "1", "--probe-requests", "8"),
    )
    # Then it passes every step and the alias points at the new version with no routing left
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert [(step["percent"], step["result"]) for step in record["steps"]] == [
        (25, "healthy"),
        (50, "healthy"),
        (100, "healthy"),
    ]
    current = alias(probe_deployment)
    assert current["FunctionVersion"] == record["version"]
    assert not routing(current)
    assert "canary: promoted, live -> version" in completed.stdout
    wait_until(lambda: served_versions(data_plane, 4) == Counter({record["version"]: 4}))


def test_rollback_points_live_at_the_version_served_before_and_records_the_event(
    emulator: MotoServer, data_plane: LocalDataPlane, probe_deployment: ProbeDeployment, tmp_path: Path
) -> None:
    # Given release A served, a broken canary rolled back (published, never promoted), then release B
    quick = ("--percent-steps", "50", "--step-seconds", "0", "--probe-requests", "4")
    _, first = deploy(emulator, data_plane, tmp_path, build_probe_zip("\nRELEASE = 'A'\n"), "--at-once")
    failed, broken = deploy(emulator, data_plane, tmp_path, build_probe_zip(BROKEN_RELEASE), *quick)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    _, second = deploy(emulator, data_plane, tmp_path, build_probe_zip("\nRELEASE = 'B'\n"), "--at-once")
    assert int(first["version"]) < int(broken["version"]) < int(second["version"])
    # When `ci rollback` runs without a version
    completed = run_ci(emulator, data_plane, tmp_path, "ci", "rollback", "--env", "local")
    # Then live serves release A again (not the never-promoted broken one), and the event is recorded
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"-> version {first['version']} (was {second['version']})" in completed.stdout
    assert alias(probe_deployment)["FunctionVersion"] == first["version"]
    wait_until(lambda: served_versions(data_plane, 4) == Counter({first["version"]: 4}))
    events = probe_deployment.session_client("logs").filter_log_events(logGroupName=DEPLOYMENT_LOG_GROUP)
    recorded = [
        {"stage": e["stage"], **e["versions"]}
        for e in map(json.loads, (x["message"] for x in events["events"]))
    ]
    assert {
        "stage": "rollback",
        "version": first["version"],
        "previous_version": second["version"],
    } in recorded
    # And a second rollback undoes the first; --to names a version; an unknown one is refused in one line
    again = run_ci(emulator, data_plane, tmp_path, "ci", "rollback", "--env", "local")
    assert f"-> version {second['version']} (was {first['version']})" in again.stdout, again.stderr
    named = run_ci(
        emulator, data_plane, tmp_path, "ci", "rollback", "--env", "local", "--to", first["version"]
    )
    assert named.returncode == 0, named.stderr
    assert alias(probe_deployment)["FunctionVersion"] == first["version"]
    refused = run_ci(emulator, data_plane, tmp_path, "ci", "rollback", "--env", "local", "--to", "999")
    assert refused.returncode == 1
    assert refused.stderr == f"error: {FUNCTION_NAME} has no published version 999\n"


def test_rollback_of_a_protected_environment_needs_its_name_confirmed(
    emulator: MotoServer, data_plane: LocalDataPlane, tmp_path: Path
) -> None:
    refused = run_ci(emulator, data_plane, tmp_path, "ci", "rollback", "--env", "prod")
    assert refused.returncode == 2
    assert refused.stderr == "error: prod is protected: repeat its name to roll it back (--confirm prod)\n"
    wrong = run_ci(emulator, data_plane, tmp_path, "ci", "rollback", "--env", "prod", "--confirm", "dev")
    assert wrong.returncode == 2
