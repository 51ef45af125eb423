"""The Dagger executor's container chains, built lazily and inspected without an engine.

The SDK records every call as a selection on the query it will send; nothing is sent until a result is
awaited. These tests read those recorded selections (the GraphQL field names and arguments).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from dagger import Container, dag

from ci.executors.dagger_chains import (
    LOCAL_CLOUD_ALIAS,
    RUN_ID_VARIABLE,
    ChainInputs,
    cache_volume_name,
    read_source,
    stage_chain,
    stage_secrets,
)
from ci.spec import StageSpec
from ci.stages import PYTHON_IMAGE, build_stages

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "very-secret-value"}


def calls(container: Container) -> list[tuple[str, dict[str, Any]]]:
    return [(field.name, dict(field.args)) for field in container._ctx.selections]


def named(container: Container, name: str) -> list[dict[str, Any]]:
    return [args for field, args in calls(container) if field == name]


def stage(name: str, env: str = "dev") -> StageSpec:
    return next(spec for spec in build_stages(env, environ={}) if spec.name == name)


def chain(
    spec: StageSpec,
    runtime_env: dict[str, str] | None = None,
    caller_env: dict[str, str] | None = None,
    **overrides: Any,
) -> Container:
    secrets = stage_secrets(dag, spec, {**FAKE_CREDENTIALS, **(runtime_env or {})})
    inputs = ChainInputs(
        source=read_source(dag, Path(".")),
        run_id="run-1",
        secrets=secrets,
        runtime_env=runtime_env or {},
        caller_env=caller_env or {},
    )
    return stage_chain(dag, spec, replace(inputs, **overrides))


def test_chain_starts_from_the_pinned_image() -> None:
    container = chain(stage("lint"))
    assert calls(container)[:2] == [("container", {}), ("from", {"address": PYTHON_IMAGE})]


def test_source_is_mounted_and_is_the_workdir() -> None:
    container = chain(stage("lint"))
    assert [args["path"] for args in named(container, "withMountedDirectory")] == ["/src"]
    assert named(container, "withWorkdir") == [{"path": "/src"}]


def test_source_is_read_fresh_without_build_outputs_or_terraform_working_files() -> None:
    # the host directory is the last selection of the source's own query
    source = read_source(dag, Path("."))
    args = source._ctx.selections[-1].args
    assert args["noCache"] is True
    assert {".venv", ".tools", ".git", "build", "**/.terraform.lock.hcl", "**/terraform.tfstate*"} <= set(
        args["exclude"]
    )


def test_uv_cache_volume_is_mounted_before_the_tool_sync() -> None:
    container = calls(chain(stage("lint")))
    names = [name for name, _ in container]
    uv_mount = next(
        i for i, (n, a) in enumerate(container) if n == "withMountedCache" and a["path"] == "/root/.cache/uv"
    )
    sync = next(
        i for i, (n, a) in enumerate(container) if n == "withExec" and a["args"][:2] == ["uv", "sync"]
    )
    assert uv_mount < sync < names.index("withMountedDirectory")
    assert cache_volume_name("/root/.cache/uv") == "items-service-root-cache-uv"


def test_terraform_stages_get_the_pinned_binary_and_a_plugin_cache() -> None:
    container = chain(stage("plan"))
    assert named(container, "withFile")[0]["path"] == "/usr/local/bin/terraform"
    assert "/root/.terraform.d/plugin-cache" in [
        args["path"] for args in named(container, "withMountedCache")
    ]
    env = {args["name"]: args["value"] for args in named(container, "withEnvVariable")}
    assert env["TF_PLUGIN_CACHE_DIR"] == "/root/.terraform.d/plugin-cache"


def test_execs_are_the_spec_argv_in_order() -> None:
    spec = stage("plan")
    execs = [args["args"] for args in named(chain(spec), "withExec")]
    assert execs[-len(spec.commands) :] == [list(command.argv) for command in spec.commands]


def test_stdout_redirect_is_used_for_terraform_show_json() -> None:
    show = next(args for args in named(chain(stage("plan")), "withExec") if "show" in args["args"])
    assert show["redirectStdout"] == "build/reports/plan-dev.json"


@pytest.mark.parametrize("name", ["iac-scan", "sast"])
def test_scanners_run_with_any_exit_code_so_reports_are_exported(name: str) -> None:
    spec = stage(name)
    execs = named(chain(spec), "withExec")[-len(spec.commands) :]
    assert all(args.get("expect") == "ANY" for args in execs)


def test_ordinary_commands_must_succeed() -> None:
    # (package has no persistent files; stages with some run with any exit code, see below)
    execs = named(chain(stage("package")), "withExec")
    # SUCCESS is the SDK default, so it is not even sent
    assert all("expect" not in args for args in execs)


def test_secrets_travel_only_as_dagger_secrets() -> None:
    container = chain(stage("deploy"))
    secrets = named(container, "withSecretVariable")
    assert {args["name"] for args in secrets} == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert all(type(args["secret"]).__name__ == "Secret" for args in secrets)
    plain = {args["name"]: args["value"] for args in named(container, "withEnvVariable")}
    assert "AWS_SECRET_ACCESS_KEY" not in plain
    assert "very-secret-value" not in repr(calls(container))


def test_local_cloud_on_loopback_is_bound_as_a_service() -> None:
    runtime_env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5123", "API_URL": "http://127.0.0.1:5124"}
    container = chain(stage("smoke", env="local"), runtime_env)
    assert [args["alias"] for args in named(container, "withServiceBinding")] == [LOCAL_CLOUD_ALIAS]
    env = {args["name"]: args["value"] for args in named(container, "withEnvVariable")}
    assert env["AWS_ENDPOINT_URL"] == f"http://{LOCAL_CLOUD_ALIAS}:5123"
    assert env["API_URL"] == f"http://{LOCAL_CLOUD_ALIAS}:5124"
    # the local cloud listens on 127.0.0.1 only; "localhost" may be ::1 inside the engine
    service = named(container, "withServiceBinding")[0]["service"]
    assert service._ctx.selections[-1].args["host"] == "127.0.0.1"


def test_checkov_uses_its_own_locked_environment() -> None:
    container = chain(stage("iac-scan"))
    files = [args["path"] for args in named(container, "withFile")]
    assert "/opt/project-checkov/uv.lock" in files
    env = {args["name"]: args["value"] for args in named(container, "withEnvVariable")}
    assert env["PATH"].startswith("/opt/tools/checkov/bin:")


def test_every_stage_of_every_env_builds_a_chain() -> None:
    for env in ("local", "dev", "staging", "prod"):
        for spec in build_stages(env, environ={}):
            assert calls(chain(spec))[-1][0] == "withExec"


def test_only_declared_caller_settings_reach_the_container() -> None:
    container = chain(stage("plan"), caller_env={"TF_STATE_BUCKET": "state-bucket", "HOME": "/root/laptop"})
    env = {args["name"]: args["value"] for args in named(container, "withEnvVariable")}
    assert env["TF_STATE_BUCKET"] == "state-bucket"
    assert "HOME" not in env


def exec_argvs(container: Container | Any) -> list[list[str]]:
    return [args["args"] for name, args in calls(container) if name == "withExec"]


def copied(container: Container, path: str) -> Any:
    """The File/Directory a chain copies to /src/<path> (the selection's `source`/`directory` argument)."""
    for name, args in calls(container):
        if name in ("withFile", "withDirectory") and args["path"] == f"/src/{path}":
            return args.get("source", args.get("directory"))
    raise AssertionError(f"nothing is copied to /src/{path}")


def produced_by(content: Any) -> list[str]:
    """The last command run by the container a File/Directory was taken from."""
    return exec_argvs(content)[-1]


def finished(*names: str, env: str = "dev") -> dict[str, Container]:
    return {name: chain(stage(name, env)) for name in names}


def test_coverage_is_built_on_the_test_stages_container() -> None:
    coverage = chain(stage("coverage"), finished=finished("test"))
    data = copied(coverage, "build/coverage/.coverage")
    assert produced_by(data)[0] == "pytest"


def test_plan_apply_and_deploy_take_their_files_from_the_stages_that_made_them() -> None:
    upstream = finished("package", "plan", "apply")
    plan = chain(stage("plan"), finished=upstream)
    assert produced_by(copied(plan, "build/dist/api_handler.zip"))[:3] == ["python", "-m", "ci.steps.package"]
    apply = chain(stage("apply"), finished=upstream)
    assert produced_by(copied(apply, "build/reports/plan-dev.tfplan"))[:3] == [
        "python",
        "-m",
        "ci.steps.plan_summary",
    ]
    # apply runs with the lock file plan's `terraform init` wrote, not one from the host
    lock = copied(apply, "infrastructure/environments/dev/.terraform.lock.hcl")
    assert produced_by(lock)[:3] == ["python", "-m", "ci.steps.plan_summary"]
    assert produced_by(copied(apply, "build/dist/api_handler.zip"))[2] == "ci.steps.package"
    # the authorizer's zip too, for an env that deploys it (a container sees only what it is handed)
    assert produced_by(copied(apply, "build/dist/authorizer.zip"))[2] == "ci.steps.package"
    deploy = chain(stage("deploy"), finished=upstream)
    assert produced_by(copied(deploy, "build/dist/api_handler.zip"))[2] == "ci.steps.package"
    outputs = copied(deploy, "build/terraform/dev/outputs.json")
    assert produced_by(outputs)[-2:] == ["output", "-json"]


def test_an_upstream_stage_outside_the_run_is_read_from_the_host_build_dir() -> None:
    asked: list[str] = []

    def host_input(path: str) -> Any:
        asked.append(path)
        return dag.host().file(f"/repo/{path}", no_cache=True) if path.endswith(".zip") else None

    plan = chain(stage("plan"), host_input=host_input)
    assert asked == ["build/dist/api_handler.zip", "build/dist/authorizer.zip"]
    zip_file = copied(plan, "build/dist/api_handler.zip")
    assert zip_file._ctx.selections[-1].args == {"path": "/repo/build/dist/api_handler.zip", "noCache": True}
    # absent on the host too: nothing is copied, and the stage's own check reports it
    coverage = chain(stage("coverage"), host_input=lambda path: None)
    assert "/src/build/coverage/.coverage" not in [args["path"] for args in named(coverage, "withFile")]


def _buster_position(container: Container) -> int | None:
    entries = calls(container)
    return next(
        (
            i
            for i, (name, args) in enumerate(entries)
            if name == "withEnvVariable" and args["name"] == RUN_ID_VARIABLE
        ),
        None,
    )


@pytest.mark.parametrize("name", ["plan", "apply", "deploy", "smoke"])
def test_cloud_stages_carry_a_run_id_after_the_setup_and_before_their_commands(name: str) -> None:
    spec = stage(name)
    container = chain(spec, run_id="run-42")
    entries = calls(container)
    position = _buster_position(container)
    assert position is not None
    assert entries[position][1]["value"] == "run-42"
    sync = next(i for i, (n, a) in enumerate(entries) if n == "withExec" and a["args"][:2] == ["uv", "sync"])
    first_command = next(
        i for i, (n, a) in enumerate(entries) if n == "withExec" and a["args"] == list(spec.commands[0].argv)
    )
    assert sync < position < first_command


def test_the_run_id_differs_between_runs() -> None:
    from ci.executors.dagger_executor import DaggerExecutor

    first, second = (DaggerExecutor(Path("."), Path("build/logs"), {}) for _ in range(2))
    assert first.run_id != second.run_id
    plans = [chain(stage("plan"), run_id=executor.run_id) for executor in (first, second)]
    values = [calls(plan)[_buster_position(plan) or 0][1]["value"] for plan in plans]
    assert values[0] != values[1]


def test_deterministic_stages_are_reusable_unless_no_cache_is_asked() -> None:
    assert _buster_position(chain(stage("lint"))) is None
    assert _buster_position(chain(stage("lint"), reuse=False)) is not None


def test_only_the_vulnerability_audit_of_sast_is_never_reused() -> None:
    entries = calls(chain(stage("sast")))
    position = _buster_position(chain(stage("sast")))
    assert position is not None
    later_execs = [args["args"] for name, args in entries[position:] if name == "withExec"]
    assert later_execs == [
        ["python", "-m", "ci.steps.dependency_audit", "--output", "build/reports/pip-audit.json"]
    ]


def test_env_local_terraform_state_comes_from_the_host_and_commands_keep_their_files() -> None:
    state = "infrastructure/environments/local/terraform.tfstate"

    def host_input(path: str) -> Any:
        return dag.host().file(f"/repo/{path}", no_cache=True) if path == state else None

    for name in ("plan", "apply"):
        spec = stage(name, env="local")
        assert spec.persistent == (state,)
        container = chain(spec, host_input=host_input)
        assert copied(container, state)._ctx.selections[-1].args["path"] == f"/repo/{state}"
        execs = named(container, "withExec")[-len(spec.commands) :]
        # a failed apply's partial state must still be readable, so the engine accepts any exit code
        assert all(args.get("expect") == "ANY" for args in execs)
    assert stage("plan", env="dev").persistent == ()


def test_terraform_plugin_cache_hits_without_a_committed_lock_file() -> None:
    env = {args["name"]: args["value"] for args in named(chain(stage("plan")), "withEnvVariable")}
    assert env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] == "true"
