"""One call of the Dagger module: the asked stage after everything it needs, or StageFailedError.

The front door `dagger call` / `dagger check` (ci/dagger_module.py) decides nothing itself; this module
selects the stages, runs them with the same runner as `python -m ci run` (in parallel where the DAG
allows) on the in-module executor, and turns failures into one readable error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from dagger import Directory, Secret

from ci.dag import ancestors, select
from ci.executors.in_module import ModuleSettings, ModuleStages, Quiet
from ci.runner import run_stages
from ci.spec import StageResult, StageSpec
from ci.stages import AWS_CREDENTIALS, build_stages


class StageFailedError(RuntimeError):
    """A stage (or one it needs) did not pass; the message says which command failed and how."""


def describe_failures(results: Sequence[StageResult]) -> str:
    lines = []
    for result in results:
        if result.ok:
            continue
        command = f": `{result.failed_command}` exited {result.exit_code}" if result.failed_command else ""
        lines.append(f"stage {result.name} {result.status}{command}")
        if result.message:
            lines.append(f"  {result.message}")
        lines.extend(f"  | {line}" for line in result.output_tail.splitlines())
    return "\n".join(lines)


def stages_for(stage: str | None, settings: ModuleSettings) -> tuple[list[StageSpec], list[StageSpec]]:
    """(all stages of the env, the stages a call runs: ``stage`` after everything it needs; all for None)."""
    specs = list(build_stages(settings.env, environ=settings.caller_env()))
    names = [spec.name for spec in specs] if stage is None else [*ancestors(specs, stage), stage]
    chosen = [spec for spec in specs if spec.name in names]
    if settings.env == "local" and any(spec.needs_cloud for spec in chosen):
        raise StageFailedError(
            "env local needs the local cloud, which only `python -m ci run` starts (on the host): use "
            "`dagger run python -m ci run ...`, or give --env dev|staging|prod with AWS credentials"
        )
    return specs, chosen


async def run_module_stages(source: Directory, stage: str | None, settings: ModuleSettings) -> Directory:
    """Run ``stage`` (None: the whole pipeline) and what it needs; its outputs, or StageFailedError."""
    specs, chosen = stages_for(stage, settings)
    stages = ModuleStages(source, settings)
    selection = select(specs, [spec.name for spec in chosen])
    results = await run_stages(selection, stages, Quiet(), {}, os.cpu_count() or 2)
    if not all(result.ok for result in results):
        raise StageFailedError(describe_failures(results))
    return stages.outputs([spec for spec in chosen if stage is None or spec.name == stage])


def credentials_from(values: Mapping[str, Secret | None]) -> dict[str, Secret]:
    """The AWS credential secrets the caller gave, by environment variable name."""
    return {name: secret for name in AWS_CREDENTIALS if (secret := values.get(name)) is not None}
