"""The Dagger executor's container chains, built lazily and inspected without an engine.

The SDK records every call as a selection on the query it will send; nothing is sent until a result is
awaited. These tests read those recorded selections (the GraphQL field names and arguments).
"""

from __future__ import annotations

from typing import Any

import pytest
from dagger import Container, dag

from ci.executors.dagger_executor import (
    LOCAL_CLOUD_ALIAS,
    SOURCE_EXCLUDES,
    cache_volume_name,
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
    spec: StageSpec, runtime_env: dict[str, str] | None = None, caller_env: dict[str, str] | None = None
) -> Container:
    source = dag.host().directory(".", exclude=list(SOURCE_EXCLUDES))
    secrets = stage_secrets(dag, spec, {**FAKE_CREDENTIALS, **(runtime_env or {})})
    return stage_chain(dag, spec, source, secrets, runtime_env or {}, caller_env or {})


def test_chain_starts_from_the_pinned_image() -> None:
    container = chain(stage("lint"))
    assert calls(container)[:2] == [("container", {}), ("from", {"address": PYTHON_IMAGE})]


def test_source_is_mounted_and_is_the_workdir() -> None:
    container = chain(stage("lint"))
    assert [args["path"] for args in named(container, "withMountedDirectory")] == ["/src"]
    assert named(container, "withWorkdir") == [{"path": "/src"}]


def test_source_excludes_local_environments_and_caches() -> None:
    # the host directory is the first selection of the source's own query
    source = dag.host().directory(".", exclude=list(SOURCE_EXCLUDES))
    exclude = source._ctx.selections[-1].args["exclude"]
    assert {".venv", ".tools", ".git", "build/cache"} <= set(exclude)


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
