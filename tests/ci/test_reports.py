"""summary.md: one row per stage, problems spelled out, and the same text in the GitHub step summary."""

from __future__ import annotations

from pathlib import Path

from ci.reports import render_summary, write_summary
from ci.spec import StageResult

RESULTS = [
    StageResult("lint", "passed", 2.04, cached=True),
    StageResult(
        "iac-scan",
        "failed",
        12.5,
        failed_command="checkov -d infrastructure",
        exit_code=1,
        output_tail="Check: CKV_AWS_225 FAILED",
        report="build/reports/checkov.sarif",
    ),
    StageResult("package", "skipped", message="not run because iac-scan did not pass"),
]


def test_summary_has_a_row_per_stage_with_status_duration_cache_and_report() -> None:
    markdown = render_summary(RESULTS, "local", "host", "requested with --executor host")
    assert "| Stage | Status | Duration | Cached | Report |" in markdown
    assert "| lint | ✅ passed | 2.0s | yes | - |" in markdown
    assert "| iac-scan | ❌ failed | 12.5s | no | `build/reports/checkov.sarif` |" in markdown
    assert "| package | ⏭️ skipped | - | no | - |" in markdown


def test_summary_explains_failures_and_skips() -> None:
    markdown = render_summary(RESULTS, "dev", "dagger", "inside dagger run")
    assert "`checkov -d infrastructure` exited 1" in markdown
    assert "CKV_AWS_225 FAILED" in markdown
    assert "not run because iac-scan did not pass" in markdown
    assert "env `dev`, executor `dagger`" in markdown


def test_summary_is_written_and_appended_to_the_github_step_summary(tmp_path: Path) -> None:
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("# earlier step\n")
    path = write_summary("## run\n", tmp_path / "reports", {"GITHUB_STEP_SUMMARY": str(step_summary)})
    assert path.read_text() == "## run\n"
    assert step_summary.read_text() == "# earlier step\n## run\n"


def test_without_github_only_the_file_is_written(tmp_path: Path) -> None:
    path = write_summary("## run\n", tmp_path / "reports", {})
    assert path == tmp_path / "reports" / "summary.md"


INCOMPLETE = [
    StageResult("lint", "passed", 1.0, cached=True, notes=("ruff: 0 findings",)),
    StageResult(
        "sast",
        "incomplete",
        9.0,
        failed_command="python -m ci.steps.dependency_audit --output build/reports/pip-audit.json",
        exit_code=3,
        message="could not do its job",
        notes=("pip-audit: audited 0 of 147 locked packages, 0 vulnerable",),
    ),
]


def test_an_incomplete_gate_is_shown_loudly_with_its_count() -> None:
    markdown = render_summary(INCOMPLETE, "local", "host", "here")
    assert "| sast | ⚠️ incomplete | 9.0s | no | - |" in markdown
    assert (
        "> **Incomplete:** sast could not do its job; not a pass: run with --strict to fail on it."
        in markdown
    )
    assert "- **sast**: pip-audit: audited 0 of 147 locked packages, 0 vulnerable" in markdown
    assert "fails (--strict)" in render_summary(INCOMPLETE, "local", "host", "here", strict=True)


def test_a_cached_results_notes_stay_in_the_summary_marked_cached() -> None:
    markdown = render_summary(INCOMPLETE, "local", "host", "here")
    assert "- **lint** (cached result): ruff: 0 findings" in markdown
