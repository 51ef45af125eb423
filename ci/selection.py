"""Which executor runs the stages, and why (the CLI prints the reason)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

ExecutorName = Literal["host", "dagger"]
ENGINE_PROBE_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class ExecutorChoice:
    name: ExecutorName
    reason: str


# The container runtimes the Dagger CLI can start its engine in, in the order it tries them
# (engine/client/drivers in the Dagger source); each is probed the way the CLI does, with `<cli> version`.
CONTAINER_RUNTIMES = ("docker", "podman", "nerdctl", "finch")


def _runtime_answers(cli: str, environ: Mapping[str, str]) -> str | None:
    executable = shutil.which(cli, path=environ.get("PATH"))
    if executable is None:
        return None
    try:
        probe = subprocess.run(  # noqa: S603 - fixed argv
            [executable, "version"],
            capture_output=True,
            text=True,
            timeout=ENGINE_PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return f"{cli} answers (`{cli} version` exited 0)" if probe.returncode == 0 else None


def container_engine_answers(environ: Mapping[str, str]) -> str | None:
    """Why a Dagger engine can be reached from here, or None.

    The SDK reaches an engine through an explicit runner host, or by starting one in a container runtime
    (Docker, Podman, nerdctl or Finch), so a runtime that answers counts as "an engine answers".
    """
    runner_host = environ.get("_EXPERIMENTAL_DAGGER_RUNNER_HOST")
    if runner_host:
        return f"_EXPERIMENTAL_DAGGER_RUNNER_HOST={runner_host}"
    for cli in CONTAINER_RUNTIMES:
        answer = _runtime_answers(cli, environ)
        if answer:
            return answer
    return None


def choose_executor(
    requested: str,
    environ: Mapping[str, str],
    engine_probe: Callable[[Mapping[str, str]], str | None] = container_engine_answers,
) -> ExecutorChoice:
    if requested == "host":
        return ExecutorChoice("host", "requested with --executor host")
    if requested == "dagger":
        return ExecutorChoice("dagger", "requested with --executor dagger")
    if environ.get("DAGGER_SESSION_PORT"):
        return ExecutorChoice("dagger", "running inside `dagger run` (DAGGER_SESSION_PORT is set)")
    engine = engine_probe(environ)
    if engine:
        return ExecutorChoice("dagger", f"a Dagger engine can be reached: {engine}")
    return ExecutorChoice(
        "host", "no Dagger session (DAGGER_SESSION_PORT unset) and no container engine answers"
    )
