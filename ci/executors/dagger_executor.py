"""Run stages as Dagger container chains (used under `dagger run` and in GitHub Actions).

Every spec becomes ``dag.container().from_(image)`` + copied tool binaries + cache volumes + the locked
tool environment + the source mounted at /src + env + secrets (``dagger.Secret`` only) + one
``with_exec`` per command. Scanner commands run with ``expect=ReturnType.ANY`` so their reports are
exported to the host's build/ even when they find something; the stage fails afterwards.

``stage_chain`` builds the whole chain lazily and needs no engine: the SDK records selections until
something is awaited, which is how the tests inspect the chains offline.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import dagger
from dagger import Client, Container, Directory, PortForward, ReturnType, Secret, dag

from ci.common import contract
from ci.common.versions import locked_version
from ci.executors.base import CommandFailure, ExecutorUnavailableError, error_result, failed_result
from ci.spec import PROJECT_TOOL_ENV, Command, StageResult, StageSpec

WORKDIR = "/src"
PROJECT_VENV = "/opt/venv"
TOOL_ENVS = "/opt/tools"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Never sent to the engine: local environments, caches, and host-only build products (the host's provider
# plugin cache alone is hundreds of MB). Reports, zips and outputs.json in build/ do travel: later stages
# read what earlier ones exported.
SOURCE_EXCLUDES = (
    ".git",
    ".venv",
    ".tools",
    "build/cache",
    "build/logs",
    "build/terraform/plugin-cache",
    "build/terraform/terraform.rc",
    "build/local-cloud",
    "build/package",
    "**/terraform.tfstate*",
    "**/__pycache__",
    "**/.terraform",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
)
# Terraform inside a container: the registry is reachable from CI, plugins persist in a cache volume.
TERRAFORM_CONTAINER_ENV = {
    "TF_PLUGIN_CACHE_DIR": "/root/.terraform.d/plugin-cache",
    "TF_IN_AUTOMATION": "1",
    "CHECKPOINT_DISABLE": "1",
}
LOCAL_CLOUD_ALIAS = "localcloud"
LOOPBACK_URL = re.compile(r"(https?://)(?:127\.0\.0\.1|localhost):(\d+)")


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


def base_container(
    client: Client,
    spec: StageSpec,
    source: Directory,
    secrets: Mapping[str, Secret],
    runtime_env: Mapping[str, str],
    caller_env: Mapping[str, str] | None = None,
) -> Container:
    """Everything up to (not including) the stage's commands."""
    container = client.container().from_(spec.image)
    for binary in spec.binaries:
        container = container.with_file(
            binary.install_as, client.container().from_(binary.image).file(binary.path)
        )
    container = container.with_env_variable("UV_LINK_MODE", "copy").with_env_variable(
        "UV_PYTHON_DOWNLOADS", "never"
    )
    # Caches outside the source tree are mounted first (the uv cache serves the tool sync); caches inside
    # /src must be mounted after the source directory or it would hide them.
    outside = [path for path in spec.cache_dirs if not path.startswith(f"{WORKDIR}/")]
    inside = [path for path in spec.cache_dirs if path.startswith(f"{WORKDIR}/")]
    for path in outside:
        container = container.with_mounted_cache(path, client.cache_volume(cache_volume_name(path)))
    container = _tool_environment(container, spec, source)
    container = container.with_mounted_directory(WORKDIR, source).with_workdir(WORKDIR)
    for path in inside:
        container = container.with_mounted_cache(path, client.cache_volume(cache_volume_name(path)))
    ports = loopback_ports(runtime_env)
    if ports:
        cloud = client.host().service([PortForward(backend=port, frontend=port) for port in ports])
        container = container.with_service_binding(LOCAL_CLOUD_ALIAS, cloud)
    for name, value in sorted(container_env(spec, runtime_env, caller_env or {}).items()):
        container = container.with_env_variable(name, value)
    for name in sorted(secrets):
        container = container.with_secret_variable(name, secrets[name])
    output_dirs = sorted(
        {str(Path(output) if output.endswith("/") else Path(output).parent) for output in spec.outputs}
    )
    if output_dirs:
        container = container.with_exec(["mkdir", "-p", *output_dirs])
    return container


def with_command(container: Container, command: Command) -> Container:
    return container.with_exec(
        list(command.argv),
        expect=ReturnType.ANY if command.reports_findings else ReturnType.SUCCESS,
        redirect_stdout=command.stdout_to or "",
    )


def stage_chain(
    client: Client,
    spec: StageSpec,
    source: Directory,
    secrets: Mapping[str, Secret],
    runtime_env: Mapping[str, str],
    caller_env: Mapping[str, str] | None = None,
) -> Container:
    """The complete lazy chain for a stage (what `run` executes one command at a time)."""
    container = base_container(client, spec, source, secrets, runtime_env, caller_env)
    for command in spec.commands:
        container = with_command(container, command)
    return container


def stage_secrets(client: Client, spec: StageSpec, values: Mapping[str, str]) -> dict[str, Secret]:
    """Secrets the stage names and the caller has; their values travel only as dagger.Secret."""
    return {name: client.set_secret(name, values[name]) for name in spec.secrets if values.get(name)}


class DaggerExecutor:
    name = "dagger"

    def __init__(self, root: Path, log_dir: Path, environ: Mapping[str, str]) -> None:
        self.root = root
        self.log_dir = log_dir
        self.environ = environ

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(dagger.connection())
            except (dagger.ProvisionError, dagger.ClientConnectionError) as error:
                raise ExecutorUnavailableError(
                    f"no Dagger engine: {error}. Run inside `dagger run`, or use --executor host"
                ) from error
            yield

    async def run(self, spec: StageSpec, runtime_env: Mapping[str, str]) -> StageResult:
        started = time.monotonic()
        source = dag.host().directory(str(self.root), exclude=list(SOURCE_EXCLUDES))
        secrets = stage_secrets(dag, spec, {**self.environ, **runtime_env})
        container = base_container(dag, spec, source, secrets, runtime_env, self.environ)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        failures: list[CommandFailure] = []
        with log_path.open("w", encoding="utf-8") as log:
            for command in spec.commands:
                log.write(f"$ {command.display()}\n")
                container = with_command(container, command)
                try:
                    exit_code = await container.exit_code()
                    output = await container.stdout() + await container.stderr()
                except dagger.ExecError as error:
                    exit_code, output = error.exit_code, error.stdout + error.stderr
                log.write(output)
                if exit_code != 0:
                    failures.append(CommandFailure(command, exit_code, output))
                    if not command.reports_findings:
                        break
        try:
            await self._export_outputs(container, spec, skip_missing=bool(failures))
        except dagger.QueryError as error:
            return error_result(spec, f"could not export outputs: {error}", time.monotonic() - started)
        duration = time.monotonic() - started
        if failures:
            return failed_result(spec, failures, duration, log_path)
        return StageResult(
            name=spec.name,
            status="passed",
            duration_seconds=duration,
            report=spec.report,
            log_path=str(log_path),
        )

    async def _export_outputs(self, container: Container, spec: StageSpec, skip_missing: bool) -> None:
        for output in spec.outputs:
            inside, target = f"{WORKDIR}/{output}", self.root / output
            try:
                if output.endswith("/"):
                    await container.directory(inside).export(str(target))
                else:
                    await container.file(inside).export(str(target))
            except dagger.QueryError:
                if not skip_missing:  # a failed stage may not have produced everything
                    raise
