"""Replaying the cloud stages of a run against a fresh local cloud: what their keys follow, when a block is
replayed (all or nothing, and no cloud started), and when the cloud stages always run."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import anyio
import pytest

from ci.cache import StageCache
from ci.cloud_replay import CloudBlock, block_keys, plan_block
from ci.common.paths import REPO_ROOT
from ci.dag import select
from ci.executors.host import HostExecutor
from ci.pipeline import RunOptions, fresh_cloud_block, local_cloud_env
from ci.runner import run_stages
from ci.selection import ExecutorChoice
from ci.spec import StageResult, StageSpec
from ci.stages import build_stages
from tests.ci.test_runner import python, spec

CLOUD = ["plan", "apply", "deploy", "smoke", "contract"]
ALL_STAGES = [spec.name for spec in build_stages("local", environ={})]
# What the keys read: the cloud stages' inputs and the package stage's (the zips come from it).
TREE = ("ci", "data", "functions", "infrastructure/environments/local", "infrastructure/modules", "tests")
TREE_FILES = ("pyproject.toml", "uv.lock")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", ".terraform", "*.tfstate*", "build")
    for name in TREE:
        shutil.copytree(REPO_ROOT / name, root / name, ignore=ignore)
    for name in TREE_FILES:
        shutil.copy2(REPO_ROOT / name, root / name)
    return root


def keys(root: Path, selected: list[str] = ALL_STAGES, **environ: str) -> dict[str, str]:
    found = block_keys(build_stages("local", environ={}), selected, root, environ)
    assert found is not None
    return found


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def edit(path: Path) -> str:
    original = path.read_text()
    path.write_text(original + "\n# edited\n")
    return original


def test_every_cloud_stage_of_a_full_run_is_keyed_and_the_keys_are_stable(tree: Path) -> None:
    first = keys(tree)
    assert list(first) == CLOUD
    assert keys(tree) == first


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("infrastructure/modules/dynamodb/main.tf", CLOUD),  # the plan changes, and all that follows it
        ("functions/api_handler/handler.py", CLOUD),  # a new zip: a new plan
        ("ci/steps/deploy.py", CLOUD),  # the pipeline's code is every cloud stage's input
        ("tests/smoke/test_smoke.py", ["smoke"]),
        ("tests/contract/hooks.py", ["contract"]),
    ],
)
def test_a_changed_input_changes_the_keys_of_the_stages_that_depend_on_it(
    tree: Path, path: str, expected: list[str]
) -> None:
    before = keys(tree)
    original = edit(tree / path)
    try:
        assert changed(before, keys(tree)) == expected
    finally:
        (tree / path).write_text(original)
    assert keys(tree) == before


def test_a_setting_from_the_caller_and_whether_a_secret_is_set_enter_the_key_but_no_secret_value(
    tree: Path,
) -> None:
    before = keys(tree)
    assert changed(before, keys(tree, CONTRACT_MAX_TIME="5")) == ["contract"]
    with_token = keys(tree, API_TOKEN="one")
    assert changed(before, with_token) == ["deploy", "smoke", "contract"]
    assert keys(tree, API_TOKEN="another") == with_token


def test_a_zip_left_by_an_earlier_run_is_keyed_by_its_content(tree: Path) -> None:
    # Given a run of the cloud stages without package: they deploy what build/dist holds
    zip_path = tree / "build" / "dist" / "api_handler.zip"
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    zip_path.write_bytes(b"first build")
    before = keys(tree, CLOUD)
    zip_path.write_bytes(b"second build")
    assert changed(before, keys(tree, CLOUD)) == CLOUD


@pytest.mark.parametrize("selected", [["deploy", "smoke"], ["smoke"], ["lint", "package"]])
def test_a_block_missing_a_cloud_predecessor_or_without_cloud_stages_is_never_keyed(
    selected: list[str],
) -> None:
    # deploy alone would act on whatever an earlier apply left in the cloud: nothing a key describes
    assert block_keys(build_stages("local", environ={}), selected, REPO_ROOT, {}) is None


def _cloud_spec(name: str, code: str, depends_on: tuple[str, ...] = ()) -> StageSpec:
    return spec(
        name,
        python(code),
        depends_on=depends_on,
        outputs=(f"build/{name}.txt",),
        cacheable=False,
        needs_cloud=True,
    )


def _writes(name: str, text: str) -> str:
    return f"import pathlib; pathlib.Path('build/{name}.txt').write_text('{text}')"


def _run(root: Path, specs: list[StageSpec], block: CloudBlock | None) -> list[StageResult]:
    class Quiet:
        def stage_started(self, spec: StageSpec) -> None: ...

        def stage_finished(self, result: StageResult) -> None: ...

    executor = HostExecutor(root, StageCache(root), root / "build" / "logs", block)
    return anyio.run(run_stages, select(specs, []), executor, Quiet(), {}, 2)


def test_a_passed_block_is_stored_then_replayed_whole_without_running(tmp_path: Path) -> None:
    block_keys_ = {"apply": "a" * 64, "smoke": "b" * 64}
    ran = [
        _cloud_spec("apply", _writes("apply", "applied")),
        _cloud_spec("smoke", _writes("smoke", "ok"), ("apply",)),
    ]
    # Given a run against a fresh cloud that passed
    first = _run(tmp_path, ran, CloudBlock(block_keys_, replay=False))
    assert [(result.status, result.cached) for result in first] == [("passed", False)] * 2
    (tmp_path / "build" / "apply.txt").unlink()
    # When the next run replays the block (its commands would now fail if they ran)
    failing = [
        _cloud_spec("apply", "raise SystemExit(3)"),
        _cloud_spec("smoke", "raise SystemExit(3)", ("apply",)),
    ]
    second = _run(tmp_path, failing, CloudBlock(block_keys_, replay=True))
    # Then both stages pass from the cache, their outputs are back, and each says it was replayed
    assert [(result.status, result.cached) for result in second] == [("passed", True)] * 2
    assert (tmp_path / "build" / "apply.txt").read_text() == "applied"
    assert all("replayed: passed against a fresh local cloud" in result.notes[-1] for result in second)


def test_a_cloud_stage_is_never_stored_or_replayed_without_a_fresh_cloud_block(tmp_path: Path) -> None:
    stage = _cloud_spec("apply", _writes("apply", "applied"))
    _run(tmp_path, [stage], None)
    assert not (tmp_path / "build" / "cache").exists()
    [again] = _run(tmp_path, [stage], None)
    assert (again.status, again.cached) == ("passed", False)


def test_a_failed_block_is_not_stored(tmp_path: Path) -> None:
    block = {"apply": "c" * 64, "smoke": "d" * 64}
    stages = [
        _cloud_spec("apply", _writes("apply", "x")),
        _cloud_spec("smoke", "raise SystemExit(1)", ("apply",)),
    ]
    _run(tmp_path, stages, CloudBlock(block, replay=False))
    specs = {spec.name: spec for spec in stages}
    cache = StageCache(tmp_path)
    assert cache.has(specs["apply"], block["apply"])
    assert not cache.has(specs["smoke"], block["smoke"])  # so the next run replays nothing: all run again


def test_a_replay_whose_entry_vanished_fails_the_stage_naming_why(tmp_path: Path) -> None:
    [result] = _run(tmp_path, [_cloud_spec("apply", "pass")], CloudBlock({"apply": "e" * 64}, replay=True))
    assert result.status == "failed"
    assert "vanished" in result.message


def test_a_replayed_block_starts_no_cloud() -> None:
    stream = io.StringIO()
    selection = select(build_stages("local", environ={}), CLOUD)
    block = CloudBlock(dict.fromkeys(CLOUD, "f" * 64), replay=True)
    with local_cloud_env(selection, "local", {}, stream, block) as env:
        assert env == {}
    assert "local cloud: not started: plan, apply, deploy, smoke, contract passed" in stream.getvalue()


HOST = ExecutorChoice("host", "test")


@pytest.mark.parametrize(
    ("choice", "options", "environ"),
    [
        (ExecutorChoice("dagger", "test"), RunOptions(), {}),  # the engine's own cache decides there
        (HOST, RunOptions(use_cache=False), {}),
        (HOST, RunOptions(env="dev"), {}),  # a real account's state is no input
        (
            HOST,
            RunOptions(),
            {"LOCAL_CLOUD_ENDPOINT": "http://127.0.0.1:4566"},
        ),  # a cloud that outlives the run
    ],
)
def test_cloud_stages_against_any_other_cloud_always_run(
    choice: ExecutorChoice, options: RunOptions, environ: dict[str, str]
) -> None:
    specs = build_stages(options.env, environ)
    assert fresh_cloud_block(specs, select(specs, []), choice, options, environ) is None


def test_a_host_run_that_starts_its_own_cloud_keys_its_cloud_stages(tmp_path: Path) -> None:
    specs = build_stages("local", environ={})
    block = fresh_cloud_block(specs, select(specs, []), HOST, RunOptions(root=REPO_ROOT), {})
    assert block is not None
    assert list(block.keys) == CLOUD
    # An empty cache holds nothing to replay
    assert plan_block(specs, CLOUD, REPO_ROOT, {}, StageCache(REPO_ROOT, tmp_path / "cache")).replay is False
