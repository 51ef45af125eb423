"""`python -m ci` as a user runs it: list, errors, cache clear, and a failing run's exit code and output."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.stages import build_stages
from tests.local.working_tree import copy_of_working_tree
from tests.processes import HAS_PROC, command_name, descendants, still_running


def ci(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_list_shows_every_stage_and_the_dag(repo_root: Path) -> None:
    result = ci("list", cwd=repo_root)
    assert result.returncode == 0
    for name in (
        "lint",
        "test",
        "coverage",
        "iac-scan",
        "sast",
        "package",
        "plan",
        "apply",
        "deploy",
        "smoke",
    ):
        assert name in result.stdout
    assert "run order (stages on one line run concurrently)" in result.stdout


def test_unknown_stage_exits_2_and_lists_the_real_ones(repo_root: Path) -> None:
    result = ci("run", "deploy-everything", "--executor", "host", cwd=repo_root)
    assert result.returncode == 2
    assert "unknown stage(s): deploy-everything" in result.stderr


@pytest.fixture
def broken_repo(tmp_path: Path, repo_root: Path) -> Path:
    """A tiny copy of the project whose only Python file fails ruff."""
    shutil.copytree(repo_root / "ci", tmp_path / "ci", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root / "uv.lock", tmp_path / "uv.lock")
    # The pipeline reads the environment list and names from the contract file.
    (tmp_path / "data").mkdir()
    shutil.copy(repo_root / "data" / "contract.json", tmp_path / "data" / "contract.json")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 110\n[tool.ruff.lint]\nselect = ["F"]\n'
        '[tool.mypy]\nfiles = ["functions"]\nignore_missing_imports = true\n'
    )
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "bad.py").write_text("import os\n")  # F401: unused import
    return tmp_path


def test_failing_stage_exits_non_zero_names_the_command_and_writes_summaries(broken_repo: Path) -> None:
    step_summary = broken_repo / "github_step_summary.md"
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "CI": "true",
        "GITHUB_STEP_SUMMARY": str(step_summary),
    }
    result = ci("run", "lint", "--executor", "host", cwd=broken_repo, env=env)

    assert result.returncode == 1
    assert "executor: host (requested with --executor host)" in result.stdout
    assert "[lint] FAILED" in result.stdout
    assert "command: ruff check . (exit 1)" in result.stderr
    assert "F401" in result.stderr  # the tail of the failing command's output
    summary = (broken_repo / "build/reports/summary.md").read_text()
    assert "| lint | ❌ failed |" in summary
    assert step_summary.read_text() == summary


def test_passing_run_is_cached_then_cache_clear_forgets_it(broken_repo: Path) -> None:
    (broken_repo / "functions" / "bad.py").write_text("import os\n\nprint(os.sep)\n")
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "CI": "true"}
    first = ci("run", "lint", "--executor", "host", cwd=broken_repo, env=env)
    second = ci("run", "lint", "--executor", "host", cwd=broken_repo, env=env)
    cleared = ci("cache", "clear", cwd=broken_repo, env=env)
    third = ci("run", "lint", "--executor", "host", "--no-cache", cwd=broken_repo, env=env)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "[lint] passed in" in first.stdout
    assert ", cached" not in first.stdout
    assert "[lint] passed in" in second.stdout
    assert ", cached" in second.stdout
    assert "removed 1 cached stage run(s)" in cleared.stdout
    assert ", cached" not in third.stdout


def test_local_subcommand_is_handed_to_the_local_cloud_cli(repo_root: Path) -> None:
    result = ci("local", "--help", cwd=repo_root)
    assert result.returncode == 0
    assert "up" in result.stdout


def test_dagger_without_an_engine_fails_with_advice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No engine can be provisioned on this machine (no Docker daemon, no network to download the CLI);
    # the SDK's own error is simulated so the test does not depend on what the network allows.
    import dagger

    from ci.cli import main

    def unavailable(*args: object, **kwargs: object) -> object:
        raise dagger.ProvisionError("engine could not be started")

    monkeypatch.setattr(dagger, "connection", unavailable)
    monkeypatch.setenv("CI", "true")
    code = main(["run", "lint", "--executor", "dagger"])
    assert code == 1
    error = capsys.readouterr().err
    assert "no Dagger engine: engine could not be started" in error
    assert "--executor host" in error


def test_dagger_with_an_unwritable_cache_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the SDK downloads the Dagger CLI into ~/.cache/dagger; an unwritable one raises a bare OSError
    import dagger

    from ci.cli import main

    def unwritable(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", "/root/.cache/dagger")

    monkeypatch.setattr(dagger, "connection", unwritable)
    code = main(["run", "lint", "--executor", "dagger"])
    assert code == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "Permission denied: '/root/.cache/dagger'" in error


def test_explain_prints_each_stages_container_plan_without_an_engine(repo_root: Path) -> None:
    result = ci("run", "--executor", "dagger", "--explain", "--env", "dev", cwd=repo_root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for spec in build_stages("dev", environ={}):
        assert f"stage {spec.name}:" in out
    assert "input      from test: build/coverage/.coverage\n" in out
    assert "input      from plan: build/reports/plan-dev.tfplan\n" in out
    assert "input      from package: build/dist/api_handler.zip\n" in out
    assert "secrets    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN" in out
    assert (
        "cache      /root/.terraform.d/plugin-cache <- volume items-service-root-terraform-d-plugin-cache"
        in out
    )
    assert "never reused (it acts on a cloud)" in out


def test_explain_of_one_stage_says_where_its_inputs_come_from_outside_the_run(repo_root: Path) -> None:
    result = ci("run", "coverage", "--explain", cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert "input      from test: build/coverage/.coverage (not in this run: host build/)" in result.stdout
    assert "stage lint:" not in result.stdout


def test_explain_refuses_the_host_executor(repo_root: Path) -> None:
    result = ci("run", "--executor", "host", "--explain", cwd=repo_root)
    assert result.returncode == 2
    assert "--explain describes the Dagger executor" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="reads process states from /proc")
def test_sigterm_stops_the_stages_and_the_local_cloud_and_says_so_in_one_line(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given a run of the plan stage (in a copy of the tree), with its own ephemeral local cloud
    tree = copy_of_working_tree(repo_root, tmp_path / "tree")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "DAGGER_SESSION_PORT")}
    env |= {"CI": "true", DISCOVERY_FILE_ENV_VAR: str(tmp_path / "no-running-cloud.json")}
    process = subprocess.Popen(
        [sys.executable, "-m", "ci", "run", "plan", "--env", "local", "--executor", "host", "--no-cache"],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(command_name(pid) == "terraform" for pid in descendants(process.pid)):
            assert process.poll() is None, "the run ended before terraform started"
            assert time.monotonic() < deadline, "terraform never started"
            time.sleep(0.02)
        started = descendants(process.pid)  # the emulator, terraform and its provider
        # When SIGTERM arrives while terraform runs
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    # Then the run ends as an interrupt, in one line, and nothing it started is left running
    assert process.returncode == 130, stdout + stderr
    assert stderr.splitlines()[-1] == (
        "interrupted: the running stages were stopped (their results are not kept)"
    )
    assert "Traceback" not in stderr
    assert still_running(started) == set()
