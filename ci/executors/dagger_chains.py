"""How a stage spec becomes a lazy Dagger container chain. Building one needs no engine.

A chain is ``container().from_(image)`` + copied tool binaries + cache volumes + the locked tool
environment (the *setup*), then the run's source at /src, the upstream stages' files, env, secrets
(``dagger.Secret`` only) and one ``with_exec`` per command. The SDK records every call as a selection and
sends nothing until a result is awaited, which is how the tests read the chains offline.

What each run reads from the host happens once: the source (``read_source``, fresh even on a long-lived
engine) and, for stages whose producer is not part of the run, the files an earlier run left in build/.
Within a run, a stage gets its upstream files from the producing stage's last container.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dagger import Client, Container, Directory, File, PortForward, ReturnType, Secret

from ci.common import contract
from ci.common.versions import locked_version
from ci.spec import PROJECT_TOOL_ENV, Command, StageSpec

WORKDIR = "/src"
PROJECT_VENV = "/opt/venv"
TOOL_ENVS = "/opt/tools"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Never sent to the engine: local environments and caches, and all of build/ (what stages produce reaches
# the next stage from the producer's container, so an old build/ on a laptop can never stand in for this
# run's output). Terraform's working files are the container's own: state (env local's travels as a
# persistent file), .terraform, and the lock file, which `init` writes for the container's platform.
SOURCE_EXCLUDES = (
    ".git",
    ".venv",
    ".tools",
    "build",
    "**/terraform.tfstate*",
    "**/.terraform",
    "**/.terraform.lock.hcl",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".schemathesis",
)
TERRAFORM_PLUGIN_CACHE = "/root/.terraform.d/plugin-cache"
TERRAFORM_CONTAINER_ENV = {
    "TF_PLUGIN_CACHE_DIR": TERRAFORM_PLUGIN_CACHE,
    # Without a committed lock file Terraform 1.4+ only trusts a cached provider it has a checksum for, so
    # the cache volume would never hit; this lets `init` use (and lock) the cached package.
    "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true",
    "TF_IN_AUTOMATION": "1",
    "CHECKPOINT_DISABLE": "1",
}
# A value that differs on every run: set before a command whose result must never come from the engine's
# exec cache (cloud stages, the vulnerability audit, every stage under --no-cache).
RUN_ID_VARIABLE = "CI_RUN_ID"
LOCAL_CLOUD_ALIAS = "localcloud"
# The local cloud listens on 127.0.0.1 only; "localhost" may resolve to ::1 first.
LOCAL_CLOUD_HOST = "127.0.0.1"
LOOPBACK_URL = re.compile(r"(https?://)(?:127\.0\.0\.1|localhost):(\d+)")

HostInput = Callable[[str], File | Directory | None]


def _no_host_input(_path: str) -> File | Directory | None:
    return None


@dataclass(frozen=True)
class ChainInputs:
    """Everything a stage's chain is built from besides its spec."""

    source: Directory
    run_id: str
    secrets: Mapping[str, Secret] = field(default_factory=dict)
    runtime_env: Mapping[str, str] = field(default_factory=dict)
    caller_env: Mapping[str, str] = field(default_factory=dict)
    # Last containers of the stages that passed earlier in this run, by stage name.
    finished: Mapping[str, Container] = field(default_factory=dict)
    # A repo-relative path read from the host (None when absent): upstream files of stages not in this
    # run, and persistent files.
    host_input: HostInput = _no_host_input
    # False under --no-cache: no step after the setup may come from the engine's cache.
    reuse: bool = True


def read_source(client: Client, root: Path) -> Directory:
    """The run's source tree; ``no_cache`` makes a long-lived engine read the host again."""
    return client.host().directory(str(root), exclude=list(SOURCE_EXCLUDES), no_cache=True)


def cache_volume_name(path: str) -> str:
    """A readable, stable volume key per cache path (e.g. /root/.cache/uv -> items-service-root-cache-uv)."""
    return f"{contract.project()}-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def _tool_environment(container: Container, spec: StageSpec, source: Directory) -> Container:
    """Install the stage's locked tools before the full source is mounted, so edits don't re-run the sync."""
    uv = f"uv=={locked_version('uv')}"
    container = container.with_exec(["pip", "install", "--root-user-action=ignore", "--no-cache-dir", uv])
    if spec.tool_env == PROJECT_TOOL_ENV:
        venv, project = PROJECT_VENV, "/opt/project"
        lock_dir = source
    else:
        venv, project = f"{TOOL_ENVS}/{spec.tool_env}", f"/opt/project-{spec.tool_env}"
        lock_dir = source.directory(f"ci/tools/{spec.tool_env}")
    return (
        container.with_file(f"{project}/pyproject.toml", lock_dir.file("pyproject.toml"))
        .with_file(f"{project}/uv.lock", lock_dir.file("uv.lock"))
        .with_env_variable("UV_PROJECT_ENVIRONMENT", venv)
        .with_exec(["uv", "sync", "--frozen", "--no-install-project", "--project", project])
        .with_env_variable("VIRTUAL_ENV", venv)
        .with_env_variable("PATH", f"{venv}/bin:{BASE_PATH}")
    )


def container_env(
    spec: StageSpec, runtime_env: Mapping[str, str], caller_env: Mapping[str, str]
) -> dict[str, str]:
    """Plain (non-secret) variables for the container; loopback URLs point at the bound local cloud."""
    passed = {name: caller_env[name] for name in spec.passthrough_env if caller_env.get(name)}
    env = {**passed, **spec.env, **{k: v for k, v in runtime_env.items() if k not in spec.secrets}}
    if spec.tool == "terraform":
        env.update(TERRAFORM_CONTAINER_ENV)
    return {name: LOOPBACK_URL.sub(rf"\1{LOCAL_CLOUD_ALIAS}:\2", value) for name, value in env.items()}


def loopback_ports(runtime_env: Mapping[str, str]) -> list[int]:
    return sorted(
        {int(match.group(2)) for value in runtime_env.values() for match in LOOPBACK_URL.finditer(value)}
    )


def setup_container(client: Client, spec: StageSpec, inputs: ChainInputs) -> Container:
    """Image, tool binaries, cache volumes and the locked tool environment: the part that rarely changes."""
    container = client.container().from_(spec.image)
    for binary in spec.binaries:
        container = container.with_file(
            binary.install_as, client.container().from_(binary.image).file(binary.path)
        )
    container = container.with_env_variable("UV_LINK_MODE", "copy").with_env_variable(
        "UV_PYTHON_DOWNLOADS", "never"
    )
    # Caches outside the source tree are mounted first (the uv cache serves the tool sync); caches inside
    # /src are mounted by ``base_container`` after the source, which would otherwise hide them.
    for path in spec.cache_dirs:
        if not path.startswith(f"{WORKDIR}/"):
            container = container.with_mounted_cache(path, client.cache_volume(cache_volume_name(path)))
    return _tool_environment(container, spec, inputs.source)


def _with_path(container: Container, path: str, content: File | Directory) -> Container:
    target = f"{WORKDIR}/{path.rstrip('/')}"
    if isinstance(content, Directory):
        return container.with_directory(target, content)
    return container.with_file(target, content)


def upstream_content(spec: StageSpec, inputs: ChainInputs) -> list[tuple[str, File | Directory]]:
    """Each upstream path with its content: from the producer's container in this run, else the host."""
    found: list[tuple[str, File | Directory]] = []
    for upstream in spec.upstream:
        producer = inputs.finished.get(upstream.stage)
        inside = f"{WORKDIR}/{upstream.path.rstrip('/')}"
        content: File | Directory | None
        if producer is not None:
            content = producer.directory(inside) if upstream.path.endswith("/") else producer.file(inside)
        else:
            content = inputs.host_input(upstream.path)
        if content is not None:
            found.append((upstream.path, content))
    return found


def base_container(client: Client, spec: StageSpec, inputs: ChainInputs) -> Container:
    """Everything up to (not including) the stage's commands."""
    container = setup_container(client, spec, inputs)
    container = container.with_mounted_directory(WORKDIR, inputs.source).with_workdir(WORKDIR)
    for path in spec.cache_dirs:
        if path.startswith(f"{WORKDIR}/"):
            container = container.with_mounted_cache(path, client.cache_volume(cache_volume_name(path)))
    for path, content in upstream_content(spec, inputs):
        container = _with_path(container, path, content)
    for path in spec.persistent:
        persisted = inputs.host_input(path)
        if persisted is not None:
            container = _with_path(container, path, persisted)
    ports = loopback_ports(inputs.runtime_env)
    if ports:
        cloud = client.host().service(
            [PortForward(backend=port, frontend=port) for port in ports], host=LOCAL_CLOUD_HOST
        )
        container = container.with_service_binding(LOCAL_CLOUD_ALIAS, cloud)
    for name, value in sorted(container_env(spec, inputs.runtime_env, inputs.caller_env).items()):
        container = container.with_env_variable(name, value)
    for name in sorted(inputs.secrets):
        container = container.with_secret_variable(name, inputs.secrets[name])
    output_dirs = sorted(
        {str(Path(output) if output.endswith("/") else Path(output).parent) for output in spec.outputs}
    )
    if output_dirs:
        container = container.with_exec(["mkdir", "-p", *output_dirs])
    if not (spec.cacheable and inputs.reuse):
        container = container.with_env_variable(RUN_ID_VARIABLE, inputs.run_id)
    return container


def with_command(container: Container, spec: StageSpec, command: Command, run_id: str) -> Container:
    """One command. Scanners, and every command of a stage with persistent files (a failed ``terraform
    apply`` still writes the state that must go back to the host), run with any exit code: the executor
    judges the exit code and can still read the container's files."""
    if not command.cacheable:
        container = container.with_env_variable(RUN_ID_VARIABLE, run_id)
    keep_files = command.reports_findings or bool(spec.persistent)
    return container.with_exec(
        list(command.argv),
        expect=ReturnType.ANY if keep_files else ReturnType.SUCCESS,
        redirect_stdout=command.stdout_to or "",
    )


def stage_chain(client: Client, spec: StageSpec, inputs: ChainInputs) -> Container:
    """The complete lazy chain for a stage (what the executor runs one command at a time)."""
    container = base_container(client, spec, inputs)
    for command in spec.commands:
        container = with_command(container, spec, command, inputs.run_id)
    return container


def stage_secrets(client: Client, spec: StageSpec, values: Mapping[str, str]) -> dict[str, Secret]:
    """Secrets the stage names and the caller has; their values travel only as dagger.Secret."""
    return {name: client.set_secret(name, values[name]) for name in spec.secrets if values.get(name)}
