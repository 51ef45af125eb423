"""Run stages as subprocesses on this machine, each tool from its own locked environment.

The project's tools (ruff, mypy, pytest, bandit, uv ...) come from the repo's .venv; a tool that cannot
share it (checkov) from ``ci.common.tool_envs.ensure_tool_env``; terraform from PATH with the project's own
CLI config (``ci.common.terraform_cli.terraform_env``). A content-hash cache skips stages whose inputs are
unchanged, and replays the cloud stages of a run against a fresh local cloud (``ci.cloud_replay``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import anyio
import anyio.to_thread

from ci.cache import CachedRun, StageCache, cache_key
from ci.cloud_replay import CloudBlock
from ci.common.process_group import STAGE_STOP_GRACE_SECONDS, stop_group_async
from ci.common.terraform_cli import ProviderMirrorError, terraform_env
from ci.common.tool_envs import ToolEnvError, ensure_tool_env
from ci.executors.base import (
    CommandFailure,
    declared_environment,
    error_result,
    notes_in,
    stage_result,
)
from ci.spec import PROJECT_TOOL_ENV, Command, StageResult, StageSpec


def project_bin_dir(root: Path) -> Path:
    venv_bin = root / ".venv" / "bin"
    return venv_bin if venv_bin.is_dir() else Path(sys.executable).parent


class HostExecutor:
    name = "host"

    def __init__(
        self,
        root: Path,
        cache: StageCache | None,
        log_dir: Path,
        cloud_block: CloudBlock | None = None,
        stop_grace_seconds: float = STAGE_STOP_GRACE_SECONDS,
    ) -> None:
        self.root = root
        self.stop_grace_seconds = stop_grace_seconds
        self.cache = cache
        self.log_dir = log_dir
        # Set when the run's cloud stages act on a fresh ephemeral local cloud (or would, unless replayed).
        self.cloud_block = cloud_block

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        yield

    def environment(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> dict[str, str]:
        """The process environment, tool bin dir first: what the spec declares of the caller's environment
        (plus the base set, ``declared_environment``), the stage's env and the run-time values."""
        bin_dir = (
            project_bin_dir(self.root)
            if spec.tool_env == PROJECT_TOOL_ENV
            else ensure_tool_env(spec.tool_env)
        )
        # A local cloud's runtime_env carries its own credentials; a profile would only get in their way.
        aws_profile = spec.needs_cloud and "AWS_ACCESS_KEY_ID" not in runtime_env
        env = {**declared_environment(spec, os.environ, aws_profile=aws_profile), **spec.env, **runtime_env}
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", os.defpath)])
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
        if spec.tool == "terraform":
            env = terraform_env(env)
        return env

    def _key(self, spec: StageSpec) -> str | None:
        """The cache key to store a pass under (None: never stored)."""
        if self.cache is None:
            return None
        if spec.needs_cloud:
            return self.cloud_block.keys.get(spec.name) if self.cloud_block else None
        return cache_key(spec, self.root) if spec.reusable else None

    def _replays(self, spec: StageSpec) -> bool:
        """Is this stage served from the cache? Cloud stages only as the whole block (ci.cloud_replay)."""
        if spec.needs_cloud:
            return self.cloud_block is not None and self.cloud_block.replay
        return True

    async def run(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> StageResult:
        started = time.monotonic()
        key = await anyio.to_thread.run_sync(self._key, spec)
        if key is not None and self.cache is not None and self._replays(spec):
            restored = await anyio.to_thread.run_sync(self.cache.restore, spec, key)
            if restored is not None:
                return StageResult(
                    name=spec.name,
                    status="passed",
                    duration_seconds=time.monotonic() - started,
                    cached=True,
                    report=spec.report,
                    notes=(*restored.notes, *self._replay_notes(spec, restored)),
                )
            if spec.needs_cloud:  # checked before the run began; no cloud was started for it
                return error_result(
                    spec, "its cached run against a fresh local cloud vanished; run again (or --no-cache)"
                )
        try:
            env = await anyio.to_thread.run_sync(self.environment, spec, runtime_env)
        except (ToolEnvError, ProviderMirrorError) as error:
            return error_result(spec, f"cannot prepare the {spec.tool} environment: {error}")

        self._prepare_output_dirs(spec)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        failures: list[CommandFailure] = []
        notes: list[str] = []
        with log_path.open("w", encoding="utf-8", errors="replace") as log:
            for command in spec.commands:
                exit_code, output = await self._run_command(command, env, log, log_path)
                notes += notes_in(output)
                if exit_code == 0:
                    continue
                failures.append(CommandFailure(command, exit_code, output))
                if not command.reports_findings:
                    break
        result = stage_result(spec, failures, time.monotonic() - started, log_path, notes)
        if result.complete and key is not None and self.cache is not None:
            await anyio.to_thread.run_sync(self.cache.store, spec, key, result.duration_seconds, result.notes)
        return result

    @staticmethod
    def _replay_notes(spec: StageSpec, restored: CachedRun) -> tuple[str, ...]:
        if not spec.needs_cloud:
            return ()
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(restored.stored_at))
        return (
            f"replayed: passed against a fresh local cloud with the same inputs at {when}; "
            "no cloud was started (--no-cache runs it again)",
        )

    def _prepare_output_dirs(self, spec: StageSpec) -> None:
        for output in spec.outputs:
            target = self.root / output
            (target if output.endswith("/") else target.parent).mkdir(parents=True, exist_ok=True)

    async def _run_command(
        self, command: Command, env: dict[str, str], log: IO[str], log_path: Path
    ) -> tuple[int, str]:
        """The command's exit code and what it wrote to the log."""
        log.write(f"$ {command.display()}\n")
        log.flush()
        start_offset = log.tell()
        executable = shutil.which(command.argv[0], path=env["PATH"])
        if executable is None:
            message = f"{command.argv[0]}: not found in the tool environment (PATH={env['PATH']})"
            log.write(message + "\n")
            return 127, message
        stdout: IO[Any] = log
        if command.stdout_to:
            target = self.root / command.stdout_to
            target.parent.mkdir(parents=True, exist_ok=True)
            stdout = target.open("wb")
        try:
            # Its own process group: when the run is interrupted (Ctrl-C, SIGTERM) the stage and everything
            # it started get SIGTERM and their grace, then SIGKILL, instead of being left running.
            process = await anyio.open_process(
                [executable, *command.argv[1:]],
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=log,
                cwd=self.root,
                env=env,
                start_new_session=True,
            )
            async with process:
                try:
                    exit_code = await process.wait()
                except BaseException:
                    await stop_group_async(process, self.stop_grace_seconds)
                    raise
        finally:
            if stdout is not log:
                stdout.close()
        log.flush()
        with log_path.open("rb") as written:
            written.seek(start_offset)
            return exit_code, written.read().decode("utf-8", errors="replace")
