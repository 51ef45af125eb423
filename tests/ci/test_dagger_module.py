"""The Dagger module (dagger.json -> .dagger/ -> ci.dagger_module.ItemsService), offline.

The SDK's own registration code (``Module._typedefs``, what the engine's Python runtime runs to learn a
module's functions) builds the type definitions lazily; only its last step asks the engine for an ID.
That step is replaced by returning the lazy definition, whose recorded selections are then read. So
these tests see exactly the functions, checks, cache policies and arguments the engine would register.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import anyio
import dagger
import pytest

from ci.common.paths import REPO_ROOT
from ci.dagger_module import ItemsService
from ci.executors.dagger_chains import SOURCE_EXCLUDES
from ci.executors.in_module import ModuleSettings
from ci.module_pipeline import StageFailedError, describe_failures, stages_for
from ci.spec import StageResult
from ci.stages import PYTHON_IMAGE, build_stages

CHECK_STAGES = {"lint", "test", "coverage", "iac-scan", "sast", "package"}
NEVER_CACHED = {"sast", "plan", "apply", "deploy", "smoke", "contract", "pipeline"}


def selections(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(field.name, dict(field.args)) for field in obj._ctx.selections]


@pytest.fixture(scope="module")
def registered(monkeypatch_module: pytest.MonkeyPatch) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Function name -> the selections of its registered definition."""
    module = ItemsService.__dagger_module__  # type: ignore[attr-defined]
    monkeypatch_module.setattr(module, "_main_name", "ItemsService")
    monkeypatch_module.setattr(module, "_main", module.get_object("ItemsService"))

    async def lazy_id(self: dagger.Module) -> dagger.Module:
        return self

    monkeypatch_module.setattr(dagger.Module, "id", lazy_id)
    definition = anyio.run(module._typedefs)
    functions: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, args in selections(definition):
        if name != "withObject":
            continue
        for type_field, type_args in selections(args["object"]):
            if type_field == "withFunction":
                calls = selections(type_args["function"])
                functions[calls[0][1]["name"]] = calls
    return functions


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_one_function_per_stage_plus_pipeline(registered: dict[str, Any]) -> None:
    stages = {spec.name for env in ("local", "dev") for spec in build_stages(env, environ={})}
    assert set(registered) == stages | {"pipeline"}


def test_deterministic_stages_are_checks(registered: dict[str, Any]) -> None:
    checks = {name for name, calls in registered.items() if any(call == "withCheck" for call, _ in calls)}
    assert checks == CHECK_STAGES


def test_cloud_stages_the_audit_and_the_pipeline_are_never_cached(registered: dict[str, Any]) -> None:
    never = {
        name
        for name, calls in registered.items()
        if any(call == "withCachePolicy" and str(args["policy"]).endswith("Never") for call, args in calls)
    }
    assert never == NEVER_CACHED


def test_every_function_takes_the_repo_as_source_with_the_executors_excludes(
    registered: dict[str, Any],
) -> None:
    for name, calls in registered.items():
        args = [args for call, args in calls if call == "withArg"]
        assert [arg["name"] for arg in args] == ["source"], name
        assert args[0]["defaultPath"] == "/"
        assert args[0]["ignore"] == list(SOURCE_EXCLUDES)


def test_module_config_points_the_engine_at_the_main_object() -> None:
    config = json.loads((REPO_ROOT / "dagger.json").read_text())
    assert config["sdk"]["source"] == "python"
    # the engine names the main object after the module: items-service -> ItemsService
    assert "".join(part.title() for part in re.split(r"[-_]", config["name"])) == ItemsService.__name__
    project = tomllib.loads((REPO_ROOT / config["source"] / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["dagger.mod"]["main_object"] == "ci.dagger_module:ItemsService"
    assert project["tool"]["dagger"]["base-image"] == PYTHON_IMAGE
    locked = {
        package["name"]: package["version"]
        for package in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]
    }
    for requirement in project["project"]["dependencies"]:
        name, version = requirement.split("==")
        assert locked[name] == version, f"the module pins {requirement}, the project locks {locked[name]}"


def test_the_modules_context_holds_every_file_the_module_imports_or_reads() -> None:
    config = json.loads((REPO_ROOT / "dagger.json").read_text())
    included = {path for pattern in config["include"] for path in REPO_ROOT.glob(pattern)}
    imported = subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "python"),
            "-c",
            "import sys, ci.dagger_module, ci.stages; "
            "print('\\n'.join(getattr(m, '__file__', None) or '' for m in list(sys.modules.values())))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    ).stdout.split()
    ours = {Path(path) for path in imported if Path(path).is_relative_to(REPO_ROOT / "ci")}
    assert ours, "nothing of ci/ was imported"
    assert ours <= included
    read_at_import = {REPO_ROOT / "data/contract.json", REPO_ROOT / "uv.lock", REPO_ROOT / "pyproject.toml"}
    read_at_import |= set((REPO_ROOT / "ci" / "tools").glob("*/uv.lock"))
    assert read_at_import <= included


def test_a_call_runs_its_stage_after_everything_it_needs() -> None:
    _, chosen = stages_for("coverage", ModuleSettings())
    assert [spec.name for spec in chosen] == ["lint", "test", "coverage"]
    _, everything = stages_for(None, ModuleSettings(env="dev"))
    assert [spec.name for spec in everything] == [spec.name for spec in build_stages("dev", environ={})]


def test_env_local_cloud_stages_are_refused_with_the_way_out() -> None:
    with pytest.raises(StageFailedError, match="dagger run python -m ci run"):
        stages_for("plan", ModuleSettings(env="local"))


def test_a_failure_names_the_stage_command_and_output() -> None:
    text = describe_failures(
        [
            StageResult(name="lint", status="passed"),
            StageResult(
                name="test",
                status="failed",
                failed_command="pytest tests/unit",
                exit_code=1,
                output_tail="E boom",
            ),
            StageResult(name="coverage", status="skipped", message="not run because test did not pass"),
        ]
    )
    assert text.splitlines() == [
        "stage test failed: `pytest tests/unit` exited 1",
        "  | E boom",
        "stage coverage skipped",
        "  not run because test did not pass",
    ]


def test_the_modules_own_project_installs_and_loads_the_main_object(tmp_path: Path) -> None:
    # What the engine's Python runtime does with .dagger/: `uv sync` (editable), then load the entry
    # point. The editable install must put the repo root on the import path, or `ci` is not importable.
    venv = tmp_path / "module-venv"
    uv = REPO_ROOT / ".venv" / "bin" / "uv"
    sync = subprocess.run(
        [
            str(uv),
            "sync",
            "--frozen",
            "--no-dev",
            "--project",
            str(REPO_ROOT / ".dagger"),
            "--python",
            sys.executable,
        ],
        # the caller's environment (index, proxy and CA settings), with its own target venv
        env={
            **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")},
            "UV_PROJECT_ENVIRONMENT": str(venv),
            "UV_PYTHON_DOWNLOADS": "never",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert sync.returncode == 0, sync.stderr
    load = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; "
            "ep = next(iter(m.entry_points(group='dagger.mod', name='main_object'))); "
            "print(ep.load().__name__)",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert load.returncode == 0, load.stderr
    assert load.stdout.strip() == "ItemsService"
