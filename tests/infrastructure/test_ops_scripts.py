"""The ops tools (python -m infrastructure.ops.<tool>) on env local as `ci local up` deployed it, or worse."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci.local.emulator import MotoServer, running_moto_server
from infrastructure.ops.destroy_validation import force_destroys_buckets
from infrastructure.ops.ops_common import NO_CREDENTIALS
from tests.local_up import LocalUp
from tests.ops_tools import aws_client, run_script

from .conftest import INFRA

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MIGRATION_RECORD = "items-service-local-items-migrations"
SCRIPTS_DIR = INFRA / "scripts"
SCRIPTS = ("validate_infrastructure", "detect_orphaned_resources", "cost_analysis", "destroy_validation")


@pytest.fixture(scope="module")
def empty_cloud() -> Iterator[MotoServer]:
    """An emulator with nothing deployed in it."""
    with running_moto_server() as server:
        yield server


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_tool_explains_itself_and_takes_an_environment(script: str) -> None:
    result = run_script(script, "--help")
    assert result.returncode == 0
    assert "--env {local,dev,staging,prod}" in result.stdout
    assert "Examples:" in result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_old_script_paths_still_run_the_tools(script: str, tmp_path: Path) -> None:
    # Given an operator's runbook that calls infrastructure/scripts/<tool>.py by path, from another directory
    result = subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / f"{script}.py"), "--env", "qa"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then the launcher runs the packaged tool (its argument parser answers), not an import error
    assert result.returncode == 2, result.stderr
    assert "invalid choice: 'qa'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("script", ["validate_infrastructure", "cost_analysis", "destroy_validation"])
def test_a_tool_without_credentials_says_so_in_one_line(script: str, empty_cloud: MotoServer) -> None:
    # Given an operator with no AWS credentials at all, when a tool that reads the account runs,
    # then it exits 1 with one line that names the problem, not a botocore traceback.
    result = run_script(script, "--env", "dev", endpoint_url=empty_cloud.endpoint_url, credentials=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {NO_CREDENTIALS}"]


def test_an_unreachable_endpoint_is_one_line() -> None:
    # One attempt: botocore's retries with backoff only delay the same message (seconds of the suite's time)
    result = run_script(
        "validate_infrastructure",
        "--env",
        "local",
        endpoint_url="http://127.0.0.1:9",
        extra_env={"AWS_MAX_ATTEMPTS": "1"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: cannot reach the AWS endpoint")


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_tool_rejects_an_unknown_environment(script: str) -> None:
    result = run_script(script, "--env", "qa")
    assert result.returncode == 2
    assert "invalid choice: 'qa'" in result.stderr


# --- validate_infrastructure ------------------------------------------------------------------------------


def test_validate_passes_every_check_on_the_applied_stack(deployed_local: LocalUp) -> None:
    # Given env local applied by Terraform, and its outputs
    # When the deployed resources are validated
    result = run_script(
        "validate_infrastructure",
        "--env=local",
        f"--outputs={deployed_local.outputs_file}",
        endpoint_url=deployed_local.endpoint_url,
    )
    # Then every check passes, including the planned throttling and the GSI from the schema file
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 failed (local)" in result.stdout
    assert "PASS  items-service-local-items: GSI status-index keyed ['status', 'createdAt']" in result.stdout
    assert "PASS  stage local: throttling set as planned" in result.stdout


def test_validate_fails_and_names_what_is_missing_in_an_empty_account(empty_cloud: MotoServer) -> None:
    result = run_script(
        "validate_infrastructure", "--env=local", "--json", endpoint_url=empty_cloud.endpoint_url
    )
    assert result.returncode == 1
    failed = [check["name"] for check in json.loads(result.stdout) if not check["passed"]]
    assert "tables: resources readable" in failed
    assert "REST API items-service-local-api exists once" in failed


# --- detect_orphaned_resources ----------------------------------------------------------------------------


def test_orphan_detection_agrees_with_the_state_then_finds_a_stray_and_deletes_it_only_when_confirmed(
    deployed_local: LocalUp,
) -> None:
    endpoint = deployed_local.endpoint_url
    state = f"--state-file={deployed_local.state_file}"
    # Given the state and the account agree, apart from the record of the migrations `ci local up` ran
    assert MIGRATION_RECORD in deployed_local.emulator_client("dynamodb").list_tables()["TableNames"]
    # When orphans are looked for
    clean = run_script("detect_orphaned_resources", "--env=local", state, endpoint_url=endpoint)
    # Then nothing is an orphan, and the migration record is named as owned by the migrations
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no orphans, no drift" in clean.stdout
    assert f"KNOWN    dynamodb_table   {MIGRATION_RECORD}" in clean.stdout

    # When a log group named like the environment appears outside Terraform
    logs = deployed_local.emulator_client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/items-service-local-leftover")
    found = run_script("detect_orphaned_resources", "--env=local", state, "--json", endpoint_url=endpoint)
    # Then it is reported as an orphan
    assert found.returncode == 1
    assert {"kind": "log_group", "name": "/aws/lambda/items-service-local-leftover"} in json.loads(
        found.stdout
    )["orphans"]

    # And --delete without the typed confirmation refuses and leaves it alone
    refused = run_script("detect_orphaned_resources", "--env=local", state, "--delete", endpoint_url=endpoint)
    assert refused.returncode == 2
    assert "--confirm local" in refused.stderr
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/items-service-local-leftover")[
        "logGroups"
    ]

    # And with it, the orphan (only the orphan) is deleted
    deleted = run_script(
        "detect_orphaned_resources",
        "--env=local",
        state,
        "--delete",
        "--confirm=local",
        endpoint_url=endpoint,
    )
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert not logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/items-service-local-leftover")[
        "logGroups"
    ]
    assert logs.describe_log_groups(logGroupNamePrefix=deployed_local.outputs["lambda_log_group_name"])[
        "logGroups"
    ]


def test_orphan_detection_without_a_readable_state_says_why_without_a_traceback(
    empty_cloud: MotoServer,
) -> None:
    # Given env dev, whose S3 backend was never initialised in this tree
    # When orphans are looked for from `terraform state pull`
    result = run_script("detect_orphaned_resources", "--env=dev", endpoint_url=empty_cloud.endpoint_url)
    # Then it stops with a usage-style error that says what failed and what to do
    assert result.returncode == 2
    assert "`terraform state pull` failed in infrastructure/environments/dev" in result.stderr
    assert "--state-file" in result.stderr
    assert "Traceback" not in result.stderr


# --- cost_analysis ----------------------------------------------------------------------------------------


def test_cost_estimate_reads_the_deployed_shape(deployed_local: LocalUp) -> None:
    result = run_script("cost_analysis", "--env=local", "--json", endpoint_url=deployed_local.endpoint_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["shape"] == {
        "memory_mb": 256,
        "architecture": "x86_64",
        "tracing": False,
        "kms_keys": 6,
        "alarms": 9,
        "dashboards": 1,
        "tables": 3,  # items, idempotency, and the record of the migrations `ci local up` ran
    }
    assert report["total_usd"] == pytest.approx(
        sum(item["monthly_usd"] for item in report["items"]), abs=0.01
    )


def test_prod_costs_more_than_dev_for_the_same_traffic() -> None:
    def total(env: str) -> float:
        result = run_script(
            "cost_analysis", f"--env={env}", "--source=config", "--requests-per-month=10000000", "--json"
        )
        assert result.returncode == 0, result.stderr
        return float(json.loads(result.stdout)["total_usd"])

    # prod runs 1024 MB functions where dev runs 256 MB
    assert total("prod") > total("dev") > 0


# --- destroy_validation -----------------------------------------------------------------------------------


def test_destroy_check_lists_what_would_go(deployed_local: LocalUp) -> None:
    result = run_script(
        "destroy_validation", "--env=local", "--json", endpoint_url=deployed_local.endpoint_url
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"kind": "dynamodb_table", "name": "items-service-local-items"} in report["resources"]
    assert {"kind": "dynamodb_table", "name": MIGRATION_RECORD} in report["resources"]  # a destroy removes it
    assert report["protected_environment"] is False
    # the artifact bucket holds the deployed zip, but env local force-destroys its buckets: no blocker
    assert report["blockers"] == []


def test_destroy_refuses_without_the_typed_confirmation(deployed_local: LocalUp) -> None:
    result = run_script(
        "destroy_validation", "--env=local", "destroy", endpoint_url=deployed_local.endpoint_url
    )
    assert result.returncode == 2
    assert "--confirm local" in result.stderr
    tables = deployed_local.emulator_client("dynamodb").list_tables()["TableNames"]
    assert "items-service-local-items" in tables


def test_destroy_with_a_state_file_that_does_not_exist_refuses_in_one_line() -> None:
    # Terraform would read the missing file as an empty state, destroy nothing and report success
    result = run_script(
        "destroy_validation", "--env=local", "destroy", "--confirm=local", "--state-file=/nonexistent.tfstate"
    )
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: --state-file /nonexistent.tfstate: no such file",
    )


def test_destroying_prod_needs_an_explicit_allow(empty_cloud: MotoServer) -> None:
    result = run_script(
        "destroy_validation", "--env=prod", "destroy", "--confirm=prod", endpoint_url=empty_cloud.endpoint_url
    )
    assert result.returncode == 2
    assert "--allow-prod" in result.stderr


def test_verify_reports_survivors_and_passes_on_an_empty_account(empty_cloud: MotoServer) -> None:
    assert (
        run_script(
            "destroy_validation", "--env=dev", "verify", endpoint_url=empty_cloud.endpoint_url
        ).returncode
        == 0
    )
    aws_client(empty_cloud, "dynamodb").create_table(
        TableName="items-service-dev-items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    survivor = run_script("destroy_validation", "--env=dev", "verify", endpoint_url=empty_cloud.endpoint_url)
    assert survivor.returncode == 1
    assert "REMAINS  dynamodb_table" in survivor.stdout


# --- env local, files and arguments: one line, never a traceback, never real AWS ---------------------------


@pytest.mark.parametrize("script", SCRIPTS)
def test_env_local_without_a_local_cloud_refuses_instead_of_reaching_aws(script: str) -> None:
    result = run_script(script, "--env=local")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "python -m ci local up" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_local_finds_the_running_local_cloud(deployed_local: LocalUp) -> None:
    # Given `ci local up` running and announced, when a tool runs with --env local and no endpoint or keys
    result = run_script(
        "destroy_validation",
        "--env=local",
        "--json",
        credentials=False,
        discovery_file=deployed_local.discovery_file,
    )
    # Then it found that cloud and read what it deployed
    assert result.returncode == 0, result.stderr
    assert {"kind": "dynamodb_table", "name": "items-service-local-items"} in json.loads(result.stdout)[
        "resources"
    ]


def test_a_named_outputs_file_that_does_not_exist_is_an_error(empty_cloud: MotoServer) -> None:
    result = run_script(
        "validate_infrastructure",
        "--env=dev",
        "--outputs=/nonexistent.json",
        endpoint_url=empty_cloud.endpoint_url,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --outputs /nonexistent.json: no such file"


def test_an_outputs_file_that_is_not_json_is_an_error(empty_cloud: MotoServer, tmp_path: Path) -> None:
    broken = tmp_path / "outputs.json"
    broken.write_text("{ not json")
    result = run_script(
        "validate_infrastructure", "--env=dev", f"--outputs={broken}", endpoint_url=empty_cloud.endpoint_url
    )
    assert result.returncode == 2, result.stderr
    assert "is not terraform output JSON" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"), [("local", True), ("dev", True), ("staging", False), ("prod", False)]
)
def test_destroy_validation_knows_which_envs_empty_their_buckets(env: str, expected: bool) -> None:
    assert force_destroys_buckets(env) is expected


def test_a_non_empty_bucket_blocks_a_destroy_where_buckets_are_kept(empty_cloud: MotoServer) -> None:
    s3 = aws_client(empty_cloud, "s3")
    bucket = "items-service-staging-artifacts-123456789012"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="functions/api_handler/x.zip", Body=b"zip")
    try:
        result = run_script("destroy_validation", "--env=staging", endpoint_url=empty_cloud.endpoint_url)
        assert result.returncode == 1
        assert f"BLOCKER  s3_bucket {bucket}: not empty" in result.stdout
        assert "1 blocker(s)" in result.stdout
    finally:
        s3.delete_object(Bucket=bucket, Key="functions/api_handler/x.zip")
        s3.delete_bucket(Bucket=bucket)


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_tool_ignores_a_missing_outputs_file(script: str, empty_cloud: MotoServer) -> None:
    result = run_script(
        script, "--env=dev", "--outputs=/nonexistent.json", endpoint_url=empty_cloud.endpoint_url
    )
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: --outputs /nonexistent.json: no such file",
    )
