"""What every executor offers the runner, and the failure bookkeeping they share."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ci.spec import Command, StageResult, StageSpec

OUTPUT_TAIL_LINES = 30

# What a stage on the host gets from the caller's environment besides the names its spec declares
# (secrets, passthrough_env): the process basics a container image has of its own, and the machine's
# network settings (proxy, private CA bundle, package index) without which uv, pip-audit or terraform cannot
# reach anything. Everything else -- tokens, a stray PYTHONPATH -- stays out, as in a container.
HOST_BASE_ENV = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "CI",
        "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy",
        "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "AWS_CA_BUNDLE", "TF_PROVIDER_MIRROR", "TF_ALLOW_REGISTRY",
    }
)  # fmt: skip
HOST_BASE_ENV_PREFIXES = ("LC_", "PIP_", "UV_")
# On the host, a cloud stage aimed at real AWS may also use the caller's AWS profile (its files are under
# HOME). Containers have no such files, so the Dagger path takes credentials as the spec's secrets only.
HOST_AWS_PROFILE_ENV = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
# A line a command prints to tell the reader something the stage's status cannot (see StageResult.notes).
NOTE_PREFIX = "note: "


class ExecutorUnavailableError(RuntimeError):
    """The executor cannot run anything here (e.g. no Dagger engine could be provisioned)."""


class Executor(Protocol):
    name: str

    def session(self) -> AbstractAsyncContextManager[None]:
        """Held open around the whole run (the Dagger connection; nothing on the host)."""
        ...

    async def run(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> StageResult:
        """Run one stage; ``runtime_env`` holds values known only at run time (local cloud endpoints)."""
        ...


def declared_environment(
    spec: StageSpec, caller_env: Mapping[str, str], *, aws_profile: bool = False
) -> dict[str, str]:
    """The caller's variables a stage may see: the names its spec declares, plus the host base set."""
    declared = {*spec.secrets, *spec.passthrough_env, *(HOST_AWS_PROFILE_ENV if aws_profile else ())}
    return {
        name: value
        for name, value in caller_env.items()
        if name in declared or name in HOST_BASE_ENV or name.startswith(HOST_BASE_ENV_PREFIXES)
    }


def tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def notes_in(output: str) -> list[str]:
    return [line[len(NOTE_PREFIX) :].strip() for line in output.splitlines() if line.startswith(NOTE_PREFIX)]


@dataclass(frozen=True)
class CommandFailure:
    command: Command
    exit_code: int
    output: str

    @property
    def incomplete(self) -> bool:
        """The command ran and said it could not do its job, rather than finding a problem."""
        return self.exit_code == self.command.incomplete_exit_code


def failed_result(
    spec: StageSpec, failures: list[CommandFailure], duration: float, log_path: Path | None
) -> StageResult:
    """A failed stage names its first failing command; the others are listed in the message."""
    first = failures[0]
    others = [f"`{failure.command.display()}` exited {failure.exit_code}" for failure in failures[1:]]
    message = f"also failed: {'; '.join(others)}" if others else ""
    return StageResult(
        name=spec.name,
        status="failed",
        duration_seconds=duration,
        failed_command=first.command.display(),
        exit_code=first.exit_code,
        output_tail=tail(first.output),
        message=message,
        report=spec.report,
        log_path=str(log_path) if log_path else None,
    )


def stage_result(
    spec: StageSpec,
    failures: list[CommandFailure],
    duration: float,
    log_path: Path | None,
    notes: list[str],
) -> StageResult:
    """Passed, incomplete (only commands that could not do their job) or failed, with the notes."""
    real = [failure for failure in failures if not failure.incomplete]
    if real:
        result = failed_result(spec, real, duration, log_path)
        return replace(result, notes=tuple(notes))
    if failures:
        first = failures[0]
        return StageResult(
            name=spec.name,
            status="incomplete",
            duration_seconds=duration,
            failed_command=first.command.display(),
            exit_code=first.exit_code,
            message="could not do its job" + ("" if notes else f": {tail(first.output, 1)}"),
            report=spec.report,
            log_path=str(log_path) if log_path else None,
            notes=tuple(notes),
        )
    return StageResult(
        name=spec.name,
        status="passed",
        duration_seconds=duration,
        report=spec.report,
        log_path=str(log_path) if log_path else None,
        notes=tuple(notes),
    )


def error_result(spec: StageSpec, message: str, duration: float = 0.0) -> StageResult:
    """The stage could not even start (missing tool environment, no provider mirror ...)."""
    return StageResult(name=spec.name, status="failed", duration_seconds=duration, message=message)
