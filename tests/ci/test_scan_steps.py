"""Steps around the scanners and terraform: plan summary, secrets baseline, dependency-audit reporting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci.steps.dependency_audit import describe_coverage, pypi_unreachable_reason
from ci.steps.plan_summary import main as plan_summary
from ci.steps.plan_summary import summarize
from ci.steps.secrets_scan import unaudited
from ci.steps.terraform_init import init_argv

PLAN = {
    "resource_changes": [
        {"address": "aws_s3_bucket.artifacts", "change": {"actions": ["create"]}},
        {"address": "aws_lambda_function.api", "change": {"actions": ["update"]}},
        {"address": "aws_iam_role.old", "change": {"actions": ["delete", "create"]}},
        {"address": "aws_dynamodb_table.items", "change": {"actions": ["no-op"]}},
    ],
    "output_changes": {"api_url": {}},
}


def test_plan_summary_counts_and_lists_changes_but_not_no_ops() -> None:
    markdown = summarize(PLAN, "plan-dev")
    assert "**1 to create, 1 to update, 1 to replace**" in markdown
    assert "| replace | `aws_iam_role.old` |" in markdown
    assert "aws_dynamodb_table.items" not in markdown
    assert "`api_url`" in markdown


def test_plan_summary_of_an_empty_plan_says_no_changes(tmp_path: Path) -> None:
    plan_json = tmp_path / "plan-prod.json"
    plan_json.write_text(json.dumps({"resource_changes": []}))
    assert plan_summary([str(plan_json), "--output", str(tmp_path / "plan-prod.md")]) == 0
    assert "**no changes**" in (tmp_path / "plan-prod.md").read_text()


def test_plan_summary_reports_an_unreadable_plan(tmp_path: Path) -> None:
    assert plan_summary([str(tmp_path / "absent.json"), "--output", str(tmp_path / "x.md")]) == 1


def test_secrets_audited_as_false_positives_pass_anywhere_new_ones_fail() -> None:
    fake = {"type": "Secret Keyword", "hashed_secret": "abc", "line_number": 3}
    real = {**fake, "hashed_secret": "def"}
    scan = {"results": {"tests/bench.py": [fake], "functions/app.py": [real]}}
    baseline = {"results": {"ci/local/emulator.py": [{**fake, "line_number": 27, "is_secret": False}]}}
    assert [item["filename"] for item in unaudited(scan, baseline)] == ["functions/app.py"]


def test_a_baseline_entry_not_marked_audited_allows_nothing() -> None:
    finding = {"type": "Secret Keyword", "hashed_secret": "abc", "line_number": 3}
    scan = {"results": {"functions/app.py": [finding]}}
    assert len(unaudited(scan, {"results": {"functions/app.py": [finding]}})) == 1


def test_dependency_audit_says_what_was_not_audited() -> None:
    report = {
        "dependencies": [
            {"name": "anyio", "version": "4.16.0", "vulns": []},
            {"name": "jwt", "version": "9.9.9", "vulns": [{"id": "GHSA-1"}]},
            {"name": "rich", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    line = describe_coverage(report)
    assert line.startswith("pip-audit: audited 2 of 3 locked packages, 1 vulnerable")
    assert "NOT audited" in line
    assert "rich" in line


def test_unreachable_index_is_detected_with_a_reason() -> None:
    reason = pypi_unreachable_reason("http://127.0.0.1:9/simple/")
    assert reason is not None
    assert "did not answer" in reason


def test_terraform_init_completes_the_s3_backend_with_the_account_bucket(repo_root: Path) -> None:
    dev = repo_root / "infrastructure/environments/dev"
    argv = init_argv(dev, {}, account_id=lambda: "210987654321")
    assert argv[-1] == "-backend-config=bucket=items-service-tfstate-210987654321"  # pragma: allowlist secret
    assert init_argv(dev, {"TF_STATE_BUCKET": "my-state"}, account_id=lambda: "x")[-1] == (
        "-backend-config=bucket=my-state"
    )


def test_terraform_init_without_credentials_says_what_to_set_in_one_line(repo_root: Path) -> None:
    # Given an operator with no AWS credentials and no TF_STATE_BUCKET
    no_credentials = {
        "PATH": os.environ["PATH"],
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    # When the plan stage's init step runs for dev
    result = subprocess.run(
        [sys.executable, "-m", "ci.steps.terraform_init", "infrastructure/environments/dev"],
        cwd=repo_root,
        env=no_credentials,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it fails with one line naming the way out, not a traceback
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot find the state bucket's account")
    assert "TF_STATE_BUCKET" in line


def test_terraform_init_of_the_local_env_needs_no_backend_config(repo_root: Path) -> None:
    argv = init_argv(repo_root / "infrastructure/environments/local", {}, account_id=lambda: "unused")
    assert not any(arg.startswith("-backend-config") for arg in argv)


def test_dependency_audit_that_reaches_no_index_is_incomplete_not_green(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ci.steps import dependency_audit

    monkeypatch.setattr(dependency_audit, "PYPI_PROBE_URL", "http://127.0.0.1:9/simple/")
    report = tmp_path / "pip-audit.json"
    assert dependency_audit.main(["--output", str(report)]) == dependency_audit.INCOMPLETE_EXIT_CODE
    assert json.loads(report.read_text())["skipped"] is True
    assert "note: pip-audit NOT RUN: PyPI is unreachable, 0 dependencies audited" in capsys.readouterr().out


def test_an_audit_that_audited_nothing_counts_zero() -> None:
    from ci.steps.dependency_audit import audited_count

    assert audited_count({"dependencies": [{"name": "rich", "skip_reason": "not found"}]}) == 0
    assert audited_count({"dependencies": [{"name": "rich", "vulns": []}]}) == 1
