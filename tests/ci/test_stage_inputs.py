"""The stages' hand-kept input globs against what the stages read.

The host executor skips a stage whose inputs are unchanged (and replays the cloud stages of a run against
a fresh local cloud when theirs are: ci/cloud_replay.py), so an input a stage reads but does not list
makes a stale result look green, and a listed file that does not exist hides a rename. What a stage
reads is taken from its commands: paths in its argv, the modules it runs with `python -m`, and the
configuration files its tools look for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.cache import input_files
from ci.common.paths import REPO_ROOT
from ci.dag import ancestors
from ci.spec import StageSpec
from ci.stages import build_stages
from ci.steps import secrets_scan

CACHEABLE = [spec for spec in build_stages("local", environ={}) if spec.cacheable]
# Every stage whose inputs enter a key: the cacheable ones and the cloud stages (keyed as a block).
KEYED = [spec for spec in build_stages("local", environ={}) if spec.cacheable or spec.needs_cloud]


def covered(spec: StageSpec) -> set[Path]:
    return {path.relative_to(REPO_ROOT) for path in input_files(REPO_ROOT, spec.inputs)}


def read_paths(spec: StageSpec) -> set[Path]:
    """Repo files and directories named by the stage's commands, other than what stages produce."""
    named: set[Path] = set()
    for command in spec.commands:
        argv = list(command.argv)
        for index, arg in enumerate(argv):
            if argv[index - 1 : index] == ["-m"] and index >= 1:
                named.add(Path(*arg.split(".")).with_suffix(".py"))
            for part in arg.split("=")[-1].split(","):
                path = Path(part)
                if part and not part.startswith(("build", "-")) and (REPO_ROOT / path).exists():
                    named.add(path)
    return named


@pytest.mark.parametrize("spec", KEYED, ids=lambda spec: spec.name)
def test_every_input_pattern_matches_a_file(spec: StageSpec) -> None:
    produced = {output for other in build_stages("local", environ={}) for output in other.outputs}
    missing = [
        pattern
        for pattern in spec.inputs
        if pattern not in produced and not input_files(REPO_ROOT, [pattern])
    ]
    assert missing == [], f"{spec.name} lists inputs that match nothing"


@pytest.mark.parametrize("spec", KEYED, ids=lambda spec: spec.name)
def test_files_and_folders_a_stage_names_are_among_its_inputs(spec: StageSpec) -> None:
    inputs = covered(spec)
    uncovered = []
    for path in read_paths(spec):
        if (REPO_ROOT / path).is_dir():
            if not any(path in found.parents for found in inputs):
                uncovered.append(str(path))
        elif path not in inputs:
            uncovered.append(str(path))
    assert uncovered == [], f"{spec.name} reads files its inputs do not list"


def test_tool_configuration_files_are_inputs() -> None:
    stages = {spec.name: spec for spec in CACHEABLE}
    # detect-secrets compares against the audited baseline; ruff, mypy and pytest read pyproject.toml;
    # checkov needs no configuration file (every skip is inline, beside its resource, with the reason).
    assert secrets_scan.BASELINE in covered(stages["sast"])
    assert not (REPO_ROOT / "infrastructure" / ".checkov.yaml").exists()
    for name in ("lint", "test", "coverage"):
        assert Path("pyproject.toml") in covered(stages[name])


def test_the_upstream_file_of_a_cached_stage_is_one_of_its_inputs() -> None:
    # coverage reads the test stage's data: a new test run must invalidate the coverage result
    for spec in CACHEABLE:
        for upstream in spec.upstream:
            assert upstream.path in spec.inputs


@pytest.mark.parametrize("env", ["local", "dev"])
def test_every_upstream_producer_runs_before_its_reader(env: str) -> None:
    specs = list(build_stages(env, environ={}))
    for spec in specs:
        for upstream in spec.upstream:
            assert upstream.stage in ancestors(specs, spec.name), f"{spec.name} reads {upstream.path}"
