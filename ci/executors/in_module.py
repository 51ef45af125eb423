"""The Dagger executor as it runs inside the Dagger module (`dagger call`, `dagger check`).

Same chains and run logic as ``DaggerExecutor``, without a host: nothing is read from or exported to a
working tree, upstream files come only from containers of the same call, and the outputs are handed back
as a Directory laid out like the repository.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from dagger import Container, Directory, Secret, dag

from ci.executors.dagger_chains import WORKDIR, ChainInputs
from ci.executors.dagger_executor import container_result, run_in_containers
from ci.spec import StageResult, StageSpec
from ci.steps.terraform_init import STATE_BUCKET_ENV_VAR


@dataclass(frozen=True)
class ModuleSettings:
    """What the module's constructor arguments set for every stage."""

    env: str = "local"
    aws_region: str = "us-east-1"
    state_bucket: str = ""
    # By variable name (AWS_ACCESS_KEY_ID ...); only the ones given.
    credentials: Mapping[str, Secret] = field(default_factory=dict)

    def caller_env(self) -> dict[str, str]:
        values = {"AWS_REGION": self.aws_region, STATE_BUCKET_ENV_VAR: self.state_bucket}
        return {name: value for name, value in values.items() if value}


class Quiet:
    """The module's progress is the engine's own TUI; the runner's listener has nothing to add."""

    def stage_started(self, spec: StageSpec) -> None:
        return None

    def stage_finished(self, result: StageResult) -> None:
        return None


class ModuleStages:
    """The Executor protocol inside the module's runtime."""

    name = "dagger-module"

    def __init__(self, source: Directory, settings: ModuleSettings) -> None:
        self.source = source
        self.settings = settings
        self.run_id = uuid.uuid4().hex
        self.finished: dict[str, Container] = {}

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        yield  # the module runtime is already connected

    async def run(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> StageResult:
        started = time.monotonic()
        inputs = ChainInputs(
            source=self.source,
            run_id=self.run_id,
            secrets={
                name: secret for name, secret in self.settings.credentials.items() if name in spec.secrets
            },
            runtime_env=runtime_env,
            caller_env=self.settings.caller_env(),
            finished=self.finished,
        )
        outcome = await run_in_containers(spec, inputs, io.StringIO())
        if outcome.passed and outcome.last_ok is not None:
            self.finished[spec.name] = outcome.last_ok
        return container_result(outcome, time.monotonic() - started, None)

    def outputs(self, specs: Sequence[StageSpec]) -> Directory:
        """The stages' outputs at their repo-relative paths."""
        directory = dag.directory()
        for spec in specs:
            container = self.finished[spec.name]
            for output in spec.outputs:
                inside = f"{WORKDIR}/{output.rstrip('/')}"
                if output.endswith("/"):
                    directory = directory.with_directory(output, container.directory(inside))
                else:
                    directory = directory.with_file(output, container.file(inside))
        return directory
