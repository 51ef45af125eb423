"""One pipeline run: select stages, pick the executor, provide the local cloud if needed, run, summarize.

The CLI parses arguments and prints; this module decides. Executors are imported lazily: the Dagger SDK
takes seconds to import and a cached host run should not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import anyio

from ci.cache import StageCache
from ci.cloud_replay import CloudBlock, plan_block
from ci.common.local_cloud_discovery import AUTH_ENV_VAR, find_running
from ci.common.paths import REPO_ROOT
from ci.dag import select
from ci.executors.base import Executor
from ci.progress import progress_display
from ci.reports import render_summary, write_summary
from ci.runner import Selection, run_stages
from ci.selection import ExecutorChoice, choose_executor
from ci.spec import StageResult, StageSpec
from ci.stages import build_stages

# Values the local cloud hands to cloud stages when it is already running (`python -m ci local up`).
LOCAL_CLOUD_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "LOCAL_CLOUD_ENDPOINT",
    "API_URL",
    AUTH_ENV_VAR,
    "API_TOKEN",
)


@dataclass(frozen=True)
class RunOptions:
    stages: Sequence[str] = ()
    env: str = "local"
    executor: str = "auto"
    use_cache: bool = True
    max_parallel: int = os.cpu_count() or 2
    root: Path = REPO_ROOT
    # An incomplete stage (a gate that could not check anything) fails the run instead of only warning.
    strict: bool = False


@dataclass(frozen=True)
class RunOutcome:
    choice: ExecutorChoice
    results: list[StageResult]
    summary_path: Path
    strict: bool = False

    @property
    def exit_code(self) -> int:
        if not all(result.ok for result in self.results):
            return 1
        return 1 if self.strict and not all(result.complete for result in self.results) else 0


def make_executor(
    choice: ExecutorChoice,
    options: RunOptions,
    environ: Mapping[str, str],
    cloud_block: CloudBlock | None = None,
) -> Executor:
    log_dir = options.root / "build" / "logs"
    if choice.name == "dagger":
        from ci.executors.dagger_executor import DaggerExecutor  # noqa: PLC0415 - slow import, only when used

        return DaggerExecutor(options.root, log_dir, environ, use_cache=options.use_cache)
    from ci.executors.host import HostExecutor  # noqa: PLC0415 - keeps the Dagger-only path light too

    cache = StageCache(options.root) if options.use_cache else None
    return HostExecutor(options.root, cache, log_dir, cloud_block)


def starts_its_own_cloud(selection: Selection, env: str, environ: Mapping[str, str]) -> bool:
    """Would this run start an ephemeral local cloud (no cloud given, none running)?"""
    needs_cloud = any(spec.needs_cloud for spec, _ in selection.values())
    return (
        env == "local" and needs_cloud and not environ.get("LOCAL_CLOUD_ENDPOINT") and find_running() is None
    )


def fresh_cloud_block(
    specs: Sequence[StageSpec],
    selection: Selection,
    choice: ExecutorChoice,
    options: RunOptions,
    environ: Mapping[str, str],
) -> CloudBlock | None:
    """The host cache's view of the run's cloud stages, when they act on a fresh ephemeral local cloud."""
    if choice.name != "host" or not options.use_cache:
        return None
    if not starts_its_own_cloud(selection, options.env, environ):
        return None
    return plan_block(specs, list(selection), options.root, environ, StageCache(options.root))


def cloud_env_from(values: Mapping[str, str]) -> dict[str, str]:
    """Stage env for --env local: the cloud's endpoints and fake credentials (env local's provider, too,
    finds the emulator through AWS_ENDPOINT_URL)."""
    from ci.local.emulator import FAKE_AWS_ENV  # noqa: PLC0415 - only for env local

    env = {**FAKE_AWS_ENV, **values}
    endpoint = env.get("AWS_ENDPOINT_URL") or env.get("LOCAL_CLOUD_ENDPOINT", "")
    if endpoint:
        env.setdefault("AWS_ENDPOINT_URL", endpoint)
    # A cloud started with `ci local up --auth` guards its API with the JWT authorizer: plan it the same.
    if env.pop(AUTH_ENV_VAR, "").lower() in {"1", "true", "yes"}:
        from ci.local.identity import mint_token  # noqa: PLC0415 - only for a guarded local cloud

        env["TF_VAR_authorizer_enabled"] = "true"
        env.setdefault("API_TOKEN", mint_token(subject="pipeline"))  # unless the caller brought one
    return env


@contextmanager
def local_cloud_env(
    selection: Selection,
    env: str,
    environ: Mapping[str, str],
    stream: TextIO,
    fresh_block: CloudBlock | None = None,
) -> Iterator[dict[str, str]]:
    """Run-time env for cloud stages; starts the ephemeral local cloud only when it is needed and absent.

    ``fresh_block`` (``fresh_cloud_block``) means that decision is made: the run has its own fresh cloud,
    and starts none when every cloud stage is replayed from a pass against one."""
    needs_cloud = any(spec.needs_cloud for spec, _ in selection.values())
    if env != "local" or not needs_cloud:
        yield {}
        return
    # A token the caller chose (another subject, say) is used as given; else a guarded cloud gets one minted.
    caller_token = {"API_TOKEN": environ["API_TOKEN"]} if environ.get("API_TOKEN") else {}
    if fresh_block is not None:
        if fresh_block.replay:
            print(
                f"local cloud: not started: {', '.join(fresh_block.keys)} passed against a fresh one with "
                "these same inputs and are replayed from the cache (--no-cache runs them)",
                file=stream,
                flush=True,
            )
            yield {}
        else:
            with _ephemeral_cloud_env(caller_token, stream) as runtime_env:
                yield runtime_env
        return
    if environ.get("LOCAL_CLOUD_ENDPOINT"):
        print(f"local cloud: using the running one at {environ['LOCAL_CLOUD_ENDPOINT']}", file=stream)
        yield cloud_env_from({name: environ[name] for name in LOCAL_CLOUD_VARIABLES if environ.get(name)})
        return
    running = find_running()
    if running is not None:
        print(
            f"local cloud: using the running `python -m ci local up` (pid {running.pid}) at "
            f"{running.endpoint_url}",
            file=stream,
        )
        yield cloud_env_from(
            {
                "AWS_ENDPOINT_URL": running.endpoint_url,
                "LOCAL_CLOUD_ENDPOINT": running.endpoint_url,
                "API_URL": running.api_url,
                **({AUTH_ENV_VAR: "true"} if running.auth else {}),
                **caller_token,
            }
        )
        return
    with _ephemeral_cloud_env(caller_token, stream) as runtime_env:
        yield runtime_env


@contextmanager
def _ephemeral_cloud_env(caller_token: Mapping[str, str], stream: TextIO) -> Iterator[dict[str, str]]:
    from ci.local.cloud import ephemeral_local_cloud  # noqa: PLC0415 - starts processes; only when needed

    print("local cloud: starting an ephemeral one (moto server + API data plane)", file=stream, flush=True)
    with ephemeral_local_cloud() as cloud:
        print(f"local cloud: AWS endpoint {cloud.stage_env.get('AWS_ENDPOINT_URL')}", file=stream, flush=True)
        yield cloud_env_from({**cloud.stage_env, **caller_token})


def run_pipeline(options: RunOptions, environ: Mapping[str, str], stream: TextIO) -> RunOutcome:
    specs = build_stages(options.env, environ)
    selection = select(specs, options.stages)
    choice = choose_executor(options.executor, environ)
    print(f"executor: {choice.name} ({choice.reason})", file=stream)
    print(f"stages: {' '.join(selection)} (env {options.env})", file=stream, flush=True)
    cloud_block = fresh_cloud_block(specs, selection, choice, options, environ)
    executor = make_executor(choice, options, environ, cloud_block)
    with (
        local_cloud_env(selection, options.env, environ, stream, cloud_block) as runtime_env,
        progress_display(environ, stream) as listener,
    ):
        results = anyio.run(run_stages, selection, executor, listener, runtime_env, options.max_parallel)
    summary = render_summary(results, options.env, choice.name, choice.reason, options.strict)
    summary_path = write_summary(summary, options.root / "build" / "reports", environ)
    return RunOutcome(choice, results, summary_path, options.strict)
