"""Run a selection of stages as a DAG: independent stages at the same time, dependants after.

A stage starts when every (effective) dependency has passed; if one did not, the stage is marked
skipped with the reason. A concurrency limit keeps the run within the machine's cores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import anyio

from ci.executors.base import Executor, error_result
from ci.spec import StageResult, StageSpec

Selection = Mapping[str, tuple[StageSpec, tuple[str, ...]]]


class ProgressListener(Protocol):
    def stage_started(self, spec: StageSpec) -> None: ...

    def stage_finished(self, result: StageResult) -> None: ...


async def run_stages(
    selection: Selection,
    executor: Executor,
    listener: ProgressListener,
    runtime_env: Mapping[str, str],
    max_parallel: int,
) -> list[StageResult]:
    """Results in the selection's (topological) order."""
    results: dict[str, StageResult] = {}
    finished = {name: anyio.Event() for name in selection}
    limiter = anyio.CapacityLimiter(max(1, max_parallel))

    async def run_one(name: str) -> None:
        spec, dependencies = selection[name]
        for dependency in dependencies:
            await finished[dependency].wait()
        blocked = [dependency for dependency in dependencies if not results[dependency].ok]
        if blocked:
            result = StageResult(
                name=name, status="skipped", message=f"not run because {', '.join(blocked)} did not pass"
            )
        else:
            async with limiter:
                listener.stage_started(spec)
                try:
                    result = await executor.run(spec, runtime_env if spec.needs_cloud else {})
                except Exception as error:  # an executor bug must fail this stage, not hide the others
                    result = error_result(
                        spec, f"{executor.name} executor error: {type(error).__name__}: {error}"
                    )
        results[name] = result
        listener.stage_finished(result)
        finished[name].set()

    async with executor.session(), anyio.create_task_group() as group:
        for name in selection:
            group.start_soon(run_one, name)
    return [results[name] for name in selection]
