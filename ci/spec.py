"""What a pipeline stage is, as plain data: both executors read these and nothing else.

A spec never says *how* to run (subprocess or container); it says what runs (argv), in which tool
environment, what it reads (inputs, hashed for the cache) and what it leaves behind (outputs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# Where a stage's executables come from. "project": the repo's own locked environment (uv.lock: ruff, mypy,
# pytest, bandit, uv, boto3 ...). Any other name: an isolated locked tool project under ci/tools/<name>/.
PROJECT_TOOL_ENV = "project"


@dataclass(frozen=True)
class Command:
    """One process of a stage. ``argv[0]`` is looked up in the stage's tool environment."""

    argv: tuple[str, ...]
    # A repo-relative file that receives the command's stdout (e.g. `terraform show -json`).
    stdout_to: str | None = None
    # Scanners exit non-zero when they find something. Such a command runs to completion with any exit
    # code so its report is kept (exported from the container), and the stage fails afterwards.
    reports_findings: bool = False
    # False when the result depends on the outside world rather than on the inputs (a vulnerability
    # database): the Dagger engine must never serve it from its exec cache, the host cache never restores
    # the stage that runs it.
    cacheable: bool = True
    # The exit code by which the command says it could not do its job at all (e.g. no dependency could be
    # audited): the stage is then *incomplete*, never passed, and `--strict` fails the run.
    incomplete_exit_code: int | None = None

    def display(self) -> str:
        shown = " ".join(self.argv)
        return f"{shown} > {self.stdout_to}" if self.stdout_to else shown


@dataclass(frozen=True)
class ImageBinary:
    """A static binary copied from another pinned image (e.g. terraform into the python image)."""

    image: str
    path: str  # inside `image`
    install_as: str  # inside the stage's container


@dataclass(frozen=True)
class Upstream:
    """A file (or a directory, written with a trailing "/") another stage produces and this one reads.

    On the host both stages share the working tree. In containers the file is copied from the producing
    stage's last container in the same run; when that stage is not part of the run, from the host's
    build/ (what an earlier run left there).
    """

    stage: str
    path: str


@dataclass(frozen=True)
class StageSpec:
    name: str
    description: str
    tool: str
    tool_version: str
    # Pinned container image for the Dagger executor (digest, or a tag with a note where no digest is known).
    image: str
    commands: tuple[Command, ...]
    tool_env: str = PROJECT_TOOL_ENV
    # Repo-relative files or globs whose content decides the result (hashed into the cache key).
    inputs: tuple[str, ...] = ()
    # Repo-relative files, or directories written with a trailing "/", that the stage produces.
    outputs: tuple[str, ...] = ()
    env: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Names only: values come from the caller's environment at run time and never enter a cache key.
    secrets: tuple[str, ...] = ()
    # Non-secret settings copied from the caller's environment when set (e.g. TF_STATE_BUCKET).
    passthrough_env: tuple[str, ...] = ()
    # Absolute paths inside the container backed by Dagger cache volumes (package managers, plugins).
    cache_dirs: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    # Outputs of other stages this one reads (each producer is one of its transitive dependencies).
    upstream: tuple[Upstream, ...] = ()
    # Files that outlive a run on the host (env local's Terraform state): a container reads them from the
    # host when present and writes them back afterwards, also when a command failed.
    persistent: tuple[str, ...] = ()
    binaries: tuple[ImageBinary, ...] = ()
    # Deterministic stages (same inputs -> same outputs) may be skipped by the content-hash cache;
    # stages that talk to a cloud never are.
    cacheable: bool = True
    # Needs an AWS endpoint: for --env local the CLI starts the ephemeral local cloud for it.
    needs_cloud: bool = False
    # The report a reader opens first; shown in summary.md.
    report: str | None = None

    @property
    def reusable(self) -> bool:
        """May a cache serve this stage's result instead of running it?"""
        return self.cacheable and all(command.cacheable for command in self.commands)


def frozen_env(values: dict[str, str] | None = None) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(values or {}))


StageStatus = Literal["passed", "incomplete", "failed", "skipped"]


@dataclass(frozen=True)
class StageResult:
    name: str
    status: StageStatus
    duration_seconds: float = 0.0
    cached: bool = False
    # For a failure: the command that failed, its exit code and the last lines of its output.
    failed_command: str | None = None
    exit_code: int | None = None
    output_tail: str = ""
    message: str = ""
    report: str | None = None
    log_path: str | None = None
    # What the stage wants a reader to know even when it passed (lines its commands print as "note: ..."),
    # e.g. how many dependencies were really audited. Kept with a cached result and shown again.
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Nothing failed: dependants may run (an incomplete stage did not fail, it could not check)."""
        return self.status in ("passed", "incomplete")

    @property
    def complete(self) -> bool:
        return self.status == "passed"
