"""Run stages as Dagger container chains (under `dagger run`, in GitHub Actions, and for the Dagger module).

Per run: the source is read once; each stage's chain is built by ``ci.executors.dagger_chains``; its setup
is evaluated first (so a failing ``uv sync`` is reported as setup, not as the stage's first command), then
one command at a time. The stage's last container that completed is kept: later stages copy their
upstream files from it, and the host export (reports, zips, plan files, outputs) is read from it, so a
failed stage still leaves what it produced.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import dagger
from dagger import Container, Directory, File, dag

from ci.executors.base import (
    CommandFailure,
    ExecutorUnavailableError,
    error_result,
    notes_in,
    stage_result,
    tail,
)
from ci.executors.dagger_chains import (
    WORKDIR,
    ChainInputs,
    base_container,
    read_source,
    stage_secrets,
    with_command,
)
from ci.spec import StageResult, StageSpec

SIGNAL_EXIT_BASE = 128
SIGKILL = 9


@dataclass(frozen=True)
class ExecOutcome:
    """What evaluating a chain up to its last exec gave."""

    exit_code: int
    output: str
    # The evaluated container, or None when the engine refused the exec (an exit code the exec did not
    # expect, or a process killed by a signal): nothing after it can be read.
    container: Container | None
    argv: tuple[str, ...] = ()


Evaluate = Callable[[Container], Awaitable[ExecOutcome]]


async def evaluate(container: Container) -> ExecOutcome:
    """Run the chain on the engine; an exec the engine refuses becomes an outcome, not an exception."""
    try:
        exit_code = await container.exit_code()
        output = await container.stdout() + await container.stderr()
    except dagger.ExecError as error:
        return ExecOutcome(error.exit_code, error.stdout + error.stderr, None, tuple(error.command))
    return ExecOutcome(exit_code, output, container)


def exit_explanation(exit_code: int) -> str:
    """Words for an exit code that means a signal (the engine reports 128 + signal number)."""
    if exit_code <= SIGNAL_EXIT_BASE or exit_code > SIGNAL_EXIT_BASE + 64:
        return ""
    signal = exit_code - SIGNAL_EXIT_BASE
    if signal == SIGKILL:
        return f"exit {exit_code}: killed by SIGKILL (often the container ran out of memory)"
    return f"exit {exit_code}: killed by signal {signal}"


@dataclass
class ContainerRun:
    """A stage's run in containers, before anything is exported."""

    spec: StageSpec
    # The last container whose commands all completed (None: the setup itself failed).
    last_ok: Container | None = None
    failures: list[CommandFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    setup_failure: ExecOutcome | None = None

    @property
    def passed(self) -> bool:
        """Nothing failed (an incomplete command still lets the stage hand on its files)."""
        return self.setup_failure is None and all(failure.incomplete for failure in self.failures)


async def run_in_containers(
    spec: StageSpec, inputs: ChainInputs, log: IO[str], run: Evaluate = evaluate
) -> ContainerRun:
    """Setup first, then each command; scanners go on after a finding, anything else stops the stage."""
    outcome = ContainerRun(spec)
    base = base_container(dag, spec, inputs)
    setup = await run(base)
    log.write(f"# setup ({spec.image})\n")
    if setup.container is None or setup.exit_code != 0:
        log.write(setup.output)
        outcome.setup_failure = setup
        return outcome
    outcome.last_ok = container = base
    for command in spec.commands:
        log.write(f"$ {command.display()}\n")
        result = await run(with_command(container, spec, command, inputs.run_id))
        log.write(result.output)
        outcome.notes += notes_in(result.output)
        if result.container is not None:
            outcome.last_ok = container = result.container
        if result.exit_code == 0 and result.container is not None:
            continue
        outcome.failures.append(CommandFailure(command, result.exit_code, result.output))
        if result.container is None or not command.reports_findings:
            break
    return outcome


def setup_failed_result(
    spec: StageSpec, setup: ExecOutcome, duration: float, log_path: Path | None
) -> StageResult:
    explanation = exit_explanation(setup.exit_code)
    return StageResult(
        name=spec.name,
        status="failed",
        duration_seconds=duration,
        failed_command=f"setup: {' '.join(setup.argv)}" if setup.argv else "setup",
        exit_code=setup.exit_code,
        output_tail=tail(setup.output),
        message="; ".join(
            part
            for part in ("the stage's container setup failed before any of its commands ran", explanation)
            if part
        ),
        report=spec.report,
        log_path=str(log_path) if log_path else None,
    )


def container_result(run: ContainerRun, duration: float, log_path: Path | None) -> StageResult:
    if run.setup_failure is not None:
        return setup_failed_result(run.spec, run.setup_failure, duration, log_path)
    result = stage_result(run.spec, run.failures, duration, log_path, run.notes)
    explanation = exit_explanation(result.exit_code or 0) if result.status == "failed" else ""
    if explanation:
        result = dataclasses.replace(result, message="; ".join(p for p in (explanation, result.message) if p))
    return result


Export = Callable[[File | Directory, Path], Awaitable[None]]


async def export_to_host(content: File | Directory, target: Path) -> None:
    await content.export(str(target))


class DaggerExecutor:
    name = "dagger"

    def __init__(
        self,
        root: Path,
        log_dir: Path,
        environ: Mapping[str, str],
        *,
        use_cache: bool = True,
        run: Evaluate = evaluate,
        export: Export = export_to_host,
    ) -> None:
        self.root = root
        self.log_dir = log_dir
        self.environ = environ
        self.use_cache = use_cache
        # Differs on every run: the cache-buster of stages the engine must not serve from its cache.
        self.run_id = uuid.uuid4().hex
        self.finished: dict[str, Container] = {}
        self._run = run
        self._export = export
        self._source: Directory | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(dagger.connection())
            except (dagger.ProvisionError, dagger.ClientConnectionError, OSError) as error:
                raise ExecutorUnavailableError(
                    f"no Dagger engine: {error}. Run inside `dagger run`, or use --executor host"
                ) from error
            # One snapshot of the source for the whole run, taken now (after the local cloud removed any
            # stale state) and shared by every stage.
            self._source = await read_source(dag, self.root).sync()
            yield

    def host_input(self, path: str) -> File | Directory | None:
        """A file an earlier run left on the host (build/, env local's state), read fresh, or None."""
        target = self.root / path.rstrip("/")
        if path.endswith("/") and target.is_dir():
            return dag.host().directory(str(target), no_cache=True)
        if target.is_file():
            return dag.host().file(str(target), no_cache=True)
        return None

    def chain_inputs(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> ChainInputs:
        source = read_source(dag, self.root) if self._source is None else self._source
        return ChainInputs(
            source=source,
            run_id=self.run_id,
            secrets=stage_secrets(dag, spec, {**self.environ, **runtime_env}),
            runtime_env=runtime_env,
            caller_env=self.environ,
            finished=self.finished,
            host_input=self.host_input,
            reuse=self.use_cache,
        )

    async def run(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> StageResult:
        started = time.monotonic()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        with log_path.open("w", encoding="utf-8") as log:
            try:
                outcome = await run_in_containers(spec, self.chain_inputs(spec, runtime_env), log, self._run)
            except dagger.QueryError as error:  # an image that cannot be pulled, a missing upstream file
                return error_result(
                    spec, f"the engine refused the stage: {error}", time.monotonic() - started
                )
        try:
            await self._export_outputs(outcome)
        except dagger.QueryError as error:
            return error_result(spec, f"could not export outputs: {error}", time.monotonic() - started)
        if outcome.passed and outcome.last_ok is not None:
            self.finished[spec.name] = outcome.last_ok
        return container_result(outcome, time.monotonic() - started, log_path)

    async def _export_outputs(self, outcome: ContainerRun) -> None:
        """Outputs (all required when the stage passed) and persistent files, from the last good container."""
        if outcome.last_ok is None:
            return
        spec, container = outcome.spec, outcome.last_ok
        wanted = [(path, not outcome.passed) for path in spec.outputs]
        wanted += [(path, True) for path in spec.persistent]
        for path, may_be_missing in wanted:
            inside = f"{WORKDIR}/{path.rstrip('/')}"
            content: File | Directory = (
                container.directory(inside) if path.endswith("/") else container.file(inside)
            )
            try:
                await self._export(content, self.root / path)
            except dagger.QueryError:
                if not may_be_missing:
                    raise
