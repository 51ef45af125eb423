"""`python -m ci run --executor dagger --explain`: each stage's container plan, read from the specs alone.

No engine is contacted and nothing runs. Values known only at run time (the local cloud's endpoints,
credentials) are named, never shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ci.dag import ancestors
from ci.executors.dagger_chains import (
    LOCAL_CLOUD_ALIAS,
    PROJECT_VENV,
    RUN_ID_VARIABLE,
    SOURCE_EXCLUDES,
    TERRAFORM_CONTAINER_ENV,
    TOOL_ENVS,
    WORKDIR,
    cache_volume_name,
)
from ci.spec import PROJECT_TOOL_ENV, StageSpec

Selection = Mapping[str, tuple[StageSpec, tuple[str, ...]]]


def _tool_env(spec: StageSpec) -> str:
    if spec.tool_env == PROJECT_TOOL_ENV:
        return f"project: uv sync --frozen of pyproject.toml + uv.lock into {PROJECT_VENV}"
    return f"{spec.tool_env}: uv sync --frozen of ci/tools/{spec.tool_env}/ into {TOOL_ENVS}/{spec.tool_env}"


def _engine_cache(spec: StageSpec, reuse: bool) -> str:
    if not (spec.cacheable and reuse):
        why = "--no-cache" if spec.cacheable else "it acts on a cloud"
        return f"never reused ({why}): {RUN_ID_VARIABLE} differs per run, set after the setup"
    busted = [command.display() for command in spec.commands if not command.cacheable]
    if busted:
        return f"reused up to `{busted[0]}`, never from there on ({RUN_ID_VARIABLE} is set before it)"
    return "reused by the engine when the source and the setup are unchanged"


def explain_stage(
    spec: StageSpec, selected: set[str], all_specs: list[StageSpec], reuse: bool
) -> Iterator[str]:
    yield f"stage {spec.name}: {spec.description}"
    yield f"  image      {spec.image}"
    for binary in spec.binaries:
        yield f"  binary     {binary.install_as} <- {binary.image}:{binary.path}"
    yield f"  tool env   {_tool_env(spec)}"
    yield f"  source     {WORKDIR} <- the run's source snapshot"
    for path in spec.cache_dirs:
        yield f"  cache      {path} <- volume {cache_volume_name(path)}"
    earlier = set(ancestors(all_specs, spec.name))
    for upstream in spec.upstream:
        where = (
            ""
            if upstream.stage in selected and upstream.stage in earlier
            else " (not in this run: host build/)"
        )
        yield f"  input      from {upstream.stage}: {upstream.path}{where}"
    for path in spec.persistent:
        yield f"  persistent {path} (read from the host when present, written back after the stage)"
    env_names = sorted(
        {*spec.env, *spec.passthrough_env, *(TERRAFORM_CONTAINER_ENV if spec.tool == "terraform" else ())}
    )
    if env_names:
        yield f"  env        {', '.join(env_names)}"
    if spec.needs_cloud and spec.env.get("ENVIRONMENT") == "local":
        yield f"  env        + the local cloud's endpoints, bound as service {LOCAL_CLOUD_ALIAS}"
    if spec.secrets:
        yield f"  secrets    {', '.join(spec.secrets)} (as dagger.Secret, when the caller has them)"
    for command in spec.commands:
        how = " (any exit code: its report is kept)" if command.reports_findings else ""
        yield f"  run        {command.display()}{how}"
    for output in spec.outputs:
        yield f"  export     {output}"
    yield f"  cache hit  {_engine_cache(spec, reuse)}"


def explain(selection: Selection, all_specs: list[StageSpec], reuse: bool = True) -> str:
    selected = set(selection)
    header = (
        f"Dagger executor plan (nothing runs). Source: the repo, read once per run with no_cache and shared "
        f"by every stage; excluded: {', '.join(SOURCE_EXCLUDES)}. Upstream files come from the producing "
        "stage's last container in the same run."
    )
    blocks = ["\n".join(explain_stage(spec, selected, all_specs, reuse)) for spec, _ in selection.values()]
    return "\n\n".join([header, *blocks]) + "\n"
