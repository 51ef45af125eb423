"""GitHub workflows: schema-valid, zizmor-clean, thin, pinned and least-privileged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

BIN = Path(sys.executable).parent
WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def test_the_three_pipelines_exist() -> None:
    names = {path.name for path in workflow_files()}
    assert {"pull-request.yml", "infrastructure-provisioning.yml", "lambda-deployment.yml"} <= names


def test_workflows_validate_against_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflow_files()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_reports_nothing() -> None:
    result = subprocess.run(
        [BIN / "zizmor", "--offline", "--persona", "auditor", WORKFLOWS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = [line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines() if "uses:" in line]
    remote = [line for line in lines if not line.startswith("./")]
    assert all(PINNED.match(line) for line in remote), remote


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_no_permissions_by_default_and_jobs_ask_for_their_own(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        assert "write-all" not in str(job.get("permissions"))
        assert set(job["permissions"]) <= {"contents", "id-token", "security-events"}


def test_deployments_never_cancel_and_pull_requests_do() -> None:
    pull_request = load(WORKFLOWS / "pull-request.yml")
    assert pull_request["concurrency"]["cancel-in-progress"] is True
    for name in ("infrastructure-provisioning.yml", "lambda-deployment.yml"):
        assert load(WORKFLOWS / name)["concurrency"]["cancel-in-progress"] is False


def test_jobs_are_thin_wrappers_around_dagger_run_python_m_ci() -> None:
    for path in workflow_files():
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("dagger/dagger-for-github@"):
                    assert step["with"]["verb"] == "run"
                    assert step["with"]["args"].startswith(".venv/bin/python -m ci run ")


def test_environments_go_dev_staging_prod_in_order() -> None:
    for name in ("infrastructure-provisioning.yml", "lambda-deployment.yml"):
        jobs = load(WORKFLOWS / name)["jobs"]
        assert jobs["staging"]["needs"] == "dev"
        assert jobs["prod"]["needs"] == "staging"
        assert jobs["prod"]["with"]["environment"] == "prod"  # required reviewers live on this environment
    infrastructure = load(WORKFLOWS / "infrastructure-provisioning.yml")["jobs"]["prod"]["with"]
    assert "plan apply" in infrastructure["stages"]
    assert infrastructure["role"] == "infrastructure"
    lambda_deployment = load(WORKFLOWS / "lambda-deployment.yml")["jobs"]["prod"]["with"]
    assert lambda_deployment["stages"] == "package deploy smoke"
    assert lambda_deployment["role"] == "lambda-deploy"  # least privilege: no Terraform state, no IAM


def test_pull_requests_plan_dev_with_the_read_only_role_and_upload_sarif() -> None:
    jobs = load(WORKFLOWS / "pull-request.yml")["jobs"]
    plan_steps = jobs["plan-dev"]["steps"]
    credentials = next(
        s for s in plan_steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    assert "AWS_PLAN_ROLE_ARN" in credentials["with"]["role-to-assume"]
    assert any(
        s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in jobs["checks"]["steps"]
    )
    assert jobs["checks"]["permissions"]["security-events"] == "write"


def test_every_job_that_runs_the_audit_fails_when_it_audited_nothing() -> None:
    runs = [
        step["with"]["args"]
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job in yaml.safe_load(path.read_text())["jobs"].values()
        for step in job.get("steps", [])
        if "sast" in str(step.get("with", {}).get("args", "")).split()
    ]
    assert runs, "no workflow runs the sast stage"
    assert all("--strict" in args.split() for args in runs)
