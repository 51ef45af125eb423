"""The real pipeline on this repository with the host executor: the stages that need no cloud."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

STAGES = ("lint", "sast", "iac-scan", "package")


@pytest.mark.slow
def test_lint_sast_iac_scan_package_pass_on_the_repo_and_leave_their_reports(repo_root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "DAGGER_SESSION_PORT")}
    env["CI"] = "true"  # plain progress lines
    result = subprocess.run(
        [sys.executable, "-m", "ci", "run", *STAGES, "--executor", "host", "--no-cache"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    reports = repo_root / "build" / "reports"
    # sast passes only when pip-audit really audited something; where the advisory data cannot be reached
    # (this machine) it is incomplete, says how many packages it audited, and still exits 0 without --strict.
    audit = json.loads((reports / "pip-audit.json").read_text())
    audited = [d for d in audit.get("dependencies", []) if "skip_reason" not in d]
    sast_status = "passed" if audited else "incomplete"
    for stage in STAGES:
        expected = sast_status if stage == "sast" else "passed"
        assert f"[{stage}] {expected.upper() if expected == 'incomplete' else expected}" in result.stdout
    assert f"note: pip-audit: audited {len(audited)} of " in result.stdout

    for sarif in ("bandit.sarif", "checkov.sarif"):
        assert json.loads((reports / sarif).read_text())["version"] == "2.1.0"
    summary = (reports / "summary.md").read_text()
    assert all(f"| {stage} | ✅ passed |" in summary for stage in STAGES if stage != "sast")
    assert ("| sast | ✅ passed |" if audited else "| sast | ⚠️ incomplete |") in summary

    artifact = repo_root / "build" / "dist" / "api_handler.zip"
    assert artifact.stat().st_size <= 5 * 1024 * 1024
    assert "api_handler/handler.py" in zipfile.ZipFile(artifact).namelist()
