"""The Dagger executor's run logic, offline: setup vs command failures, killed processes, what is exported.

The engine is replaced at exactly one seam, ``evaluate`` (await a chain, get an exit code and output): a
scripted engine reads the chain's recorded selections and answers as the real one would, including the
refusal (``ExecError``) for an exec outside its expected exit codes. Everything else is the real code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from dagger import Container, Directory, File

from ci.executors.dagger_executor import DaggerExecutor, ExecOutcome, exit_explanation
from ci.spec import StageResult, StageSpec
from ci.stages import build_stages

Script = Callable[[list[str]], tuple[int, str] | None]


def exec_argvs(chain: Any) -> list[list[str]]:
    return [list(field.args["args"]) for field in chain._ctx.selections if field.name == "withExec"]


class ScriptedEngine:
    """Answers each evaluation from a script: argv -> (exit code, output), or None for success."""

    def __init__(self, script: Script, refused_codes: range = range(128, 192)) -> None:
        self.script = script
        self.refused_codes = refused_codes
        self.exports: list[tuple[list[str], str, Path]] = []

    async def evaluate(self, container: Container) -> ExecOutcome:
        for argv in exec_argvs(container):
            answer = self.script(argv)
            if answer is None:
                continue
            code, output = answer
            expects_any = any(
                field.name == "withExec" and field.args["args"] == argv and field.args.get("expect") == "ANY"
                for field in container._ctx.selections
            )
            if code in self.refused_codes or not expects_any:
                return ExecOutcome(code, output, None, tuple(argv))
            if argv == exec_argvs(container)[-1]:
                return ExecOutcome(code, output, container)
            # an earlier exec the engine accepted (any exit code): the chain goes on
        return ExecOutcome(0, "ok\n", container)

    async def export(self, content: File | Directory, target: Path) -> None:
        path = content._ctx.selections[-1].args["path"]
        self.exports.append((exec_argvs(content)[-1], path, target))


def stage(name: str, env: str = "dev") -> StageSpec:
    return next(spec for spec in build_stages(env, environ={}) if spec.name == name)


def run(engine: ScriptedEngine, spec: StageSpec, tmp_path: Path) -> tuple[StageResult, DaggerExecutor]:
    executor = DaggerExecutor(tmp_path, tmp_path / "logs", {}, run=engine.evaluate, export=engine.export)
    result = anyio.run(executor.run, spec, {})
    return result, executor


def test_a_failing_uv_sync_is_reported_as_setup_not_as_the_first_command(tmp_path: Path) -> None:
    engine = ScriptedEngine(
        lambda argv: (2, "error: the lockfile needs to be updated\n") if argv[:2] == ["uv", "sync"] else None
    )
    result, executor = run(engine, stage("lint"), tmp_path)
    assert result.status == "failed"
    assert result.failed_command is not None
    assert result.failed_command.startswith("setup: uv sync --frozen")
    assert result.exit_code == 2
    assert "setup failed before any of its commands ran" in result.message
    assert "lockfile needs to be updated" in result.output_tail
    assert "ruff" not in (tmp_path / "logs" / "lint.log").read_text()
    assert engine.exports == []
    assert "lint" not in executor.finished


def test_a_killed_scanner_names_the_command_and_the_signal_and_keeps_earlier_reports(tmp_path: Path) -> None:
    engine = ScriptedEngine(
        lambda argv: (137, "Killed\n") if argv[:3] == ["python", "-m", "ci.steps.secrets_scan"] else None
    )
    result, _ = run(engine, stage("sast"), tmp_path)
    assert result.status == "failed"
    assert result.failed_command == "python -m ci.steps.secrets_scan --output build/reports/secrets.json"
    assert result.exit_code == 137
    assert "killed by SIGKILL" in result.message
    # the bandit report, made before the kill, is exported from the container bandit left behind
    exported = {path: produced[0] for produced, path, _ in engine.exports}
    assert exported["/src/build/reports/bandit.sarif"] == "bandit"
    # a kill stops the stage: the audit after it never ran
    assert "dependency_audit" not in (tmp_path / "logs" / "sast.log").read_text()


def test_a_scanner_finding_lets_the_next_scanners_run(tmp_path: Path) -> None:
    engine = ScriptedEngine(lambda argv: (1, "B602 found\n") if argv[0] == "bandit" else None)
    result, _ = run(engine, stage("sast"), tmp_path)
    assert (result.status, result.exit_code) == ("failed", 1)
    assert result.failed_command is not None
    assert result.failed_command.startswith("bandit")
    exported = {path: produced[2] for produced, path, _ in engine.exports}
    assert exported["/src/build/reports/pip-audit.json"] == "ci.steps.dependency_audit"


def test_a_failed_plan_still_exports_what_it_made_from_the_last_good_container(tmp_path: Path) -> None:
    engine = ScriptedEngine(lambda argv: (1, "Error: show failed\n") if "show" in argv else None)
    result, executor = run(engine, stage("plan"), tmp_path)
    assert result.status == "failed"
    assert result.failed_command is not None
    assert " show -json " in result.failed_command
    exported = {path: produced for produced, path, _ in engine.exports}
    # the saved plan comes from the container after `terraform plan` succeeded
    assert exported["/src/build/reports/plan-dev.tfplan"][2:4] == ["plan", "-input=false"]
    assert "plan" not in executor.finished


def test_a_failed_local_apply_writes_its_partial_state_back(tmp_path: Path) -> None:
    engine = ScriptedEngine(lambda argv: (1, "Error: creating stage\n") if "apply" in argv else None)
    result, _ = run(engine, stage("apply", env="local"), tmp_path)
    assert result.status == "failed"
    state = "/src/infrastructure/environments/local/terraform.tfstate"
    exported = {path: produced for produced, path, _ in engine.exports}
    # apply ran with any exit code, so the container it failed in can still be read
    assert "apply" in exported[state]
    assert [target for _, path, target in engine.exports if path == state] == [
        tmp_path / "infrastructure/environments/local/terraform.tfstate"
    ]


def test_a_passed_stage_hands_its_container_to_the_next(tmp_path: Path) -> None:
    engine = ScriptedEngine(lambda argv: None)
    result, executor = run(engine, stage("test"), tmp_path)
    assert result.ok
    assert exec_argvs(executor.finished["test"])[-1][0] == "pytest"
    coverage = anyio.run(executor.run, stage("coverage"), {})
    assert coverage.ok
    chains = [produced for produced, path, _ in engine.exports if path == "/src/build/reports/coverage.xml"]
    assert chains == [["coverage", "report", "--fail-under=90"]]


@pytest.mark.parametrize(
    ("code", "words"),
    [(137, "SIGKILL"), (143, "signal 15"), (1, ""), (128, ""), (255, "")],
)
def test_exit_codes_from_signals_are_explained(code: int, words: str) -> None:
    explanation = exit_explanation(code)
    assert (words in explanation) if words else explanation == ""
