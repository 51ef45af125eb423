"""Fixtures for the infrastructure tests: the terraform CLI with the project's offline provider config.

Each stack is initialised once per test session (``init -backend=false``), with its data directory under
build/terraform/pytest/<xdist worker>/ so tests never touch a developer's own ``.terraform``, a running
pipeline's, or another test worker's (two processes initialising one data directory race).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import coverage
import pytest

from ci.common import contract
from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.common.paths import REPO_ROOT
from ci.common.stack_outputs import stack_outputs
from ci.common.terraform_cli import terraform_env
from ci.local.emulator import FAKE_AWS_ENV, MotoServer, running_moto_server

INFRA = REPO_ROOT / "infrastructure"
DATA_DIRS = REPO_ROOT / "build" / "terraform" / "pytest" / os.environ.get("PYTEST_XDIST_WORKER", "main")

ENVIRONMENTS = contract.environments()
MODULES = tuple(sorted(path.name for path in (INFRA / "modules").iterdir() if (path / "main.tf").is_file()))
ROOT_STACKS = (*(f"environments/{env}" for env in ENVIRONMENTS), "global", "bootstrap")
ALL_STACKS = (*ROOT_STACKS, *(f"modules/{name}" for name in MODULES))


_INIT_RESULTS: dict[str, subprocess.CompletedProcess[str]] = {}
_INIT_LOCKS: dict[str, threading.Lock] = {}
_INIT_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class Terraform:
    """Runs terraform in one stack directory with the offline CLI config and a per-stack data dir."""

    env: Mapping[str, str]

    def init(self, stack: str) -> subprocess.CompletedProcess[str]:
        """`init -backend=false`, once per stack per test session (later calls reuse the result)."""
        with _INIT_LOCKS_GUARD:
            stack_lock = _INIT_LOCKS.setdefault(stack, threading.Lock())
        with stack_lock:
            if stack not in _INIT_RESULTS:
                _INIT_RESULTS[stack] = self.run(stack, "init", "-backend=false", "-input=false", "-no-color")
            return _INIT_RESULTS[stack]

    def stack_env(self, stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        data_dir = DATA_DIRS / stack.replace("/", "-")
        return {**self.env, "TF_DATA_DIR": str(data_dir), **(extra or {})}

    def run(
        self, stack: str, *args: str, extra_env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args],
            cwd=INFRA / stack,
            env=self.stack_env(stack, extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    return Terraform(env=terraform_env())


@dataclass(frozen=True)
class StackCheck:
    """What terraform said about one stack: init, validate and (when it has test files) test."""

    stack: str
    init: subprocess.CompletedProcess[str]
    validate: subprocess.CompletedProcess[str] | None
    test: subprocess.CompletedProcess[str] | None


def has_terraform_tests(stack: str) -> bool:
    return any((INFRA / stack / "tests").glob("*.tftest.hcl"))


@pytest.fixture(scope="session")
def stack_checks(terraform: Terraform) -> dict[str, StackCheck]:
    """Init (once per session), validate and `terraform test` every stack, a few stacks at a time.

    Loading the AWS provider's schema costs seconds per command, so stacks run in parallel workers and
    each test below only reads its stack's results.
    """

    def check(stack: str) -> StackCheck:
        init = terraform.init(stack)
        if init.returncode != 0:
            return StackCheck(stack, init, None, None)
        # `terraform test` validates the whole configuration before its first run block (a resource no run
        # reaches included) and fails on what `validate` would report, so `validate` runs only where a stack
        # has no test files: loading the provider's schema once more per stack costs ~3 s of CPU.
        if has_terraform_tests(stack):
            return StackCheck(stack, init, None, terraform.run(stack, "test", "-no-color"))
        return StackCheck(stack, init, terraform.run(stack, "validate", "-no-color"), None)

    # terraform_env() has filled the shared plugin cache from the mirror, so concurrent inits only read it.
    with ThreadPoolExecutor(max_workers=3) as pool:
        return {result.stack: result for result in pool.map(check, ALL_STACKS)}


def output_of(result: subprocess.CompletedProcess[str] | None) -> str:
    return "" if result is None else f"{result.stdout}\n{result.stderr}"


# --- env local applied into a moto server (shared by the apply test and the ops-tool tests) ---------------

LOCAL_STACK = "environments/local"
FIXTURE_ARTIFACT = INFRA / "tests" / "fixtures" / "artifact.zip"
SCRIPTS = INFRA / "scripts"


def aws_client(server: MotoServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint_url,
        region_name=FAKE_AWS_ENV["AWS_REGION"],
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def run_script(
    name: str,
    *args: str,
    endpoint_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    credentials: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run one of the ops tools (infrastructure/ops) the way an operator would, against the given endpoint.

    ``credentials=False`` runs it as an operator who has none: no keys, no config files, no instance metadata.
    """
    no_credentials = {
        "AWS_REGION": FAKE_AWS_ENV["AWS_REGION"],
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    aws_env = FAKE_AWS_ENV if credentials else no_credentials
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **aws_env, **(extra_env or {})}
    # the suite's own discovery file (tests/conftest.py), never a developer's running local cloud
    env[DISCOVERY_FILE_ENV_VAR] = os.environ[DISCOVERY_FILE_ENV_VAR]
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return subprocess.run(
        [*tool_command(name), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


def tool_command(name: str) -> list[str]:
    """``python -m infrastructure.ops.<name>``, under ``coverage run`` when this session measures coverage.

    The tools are exercised as operators run them, in a process of their own, so their lines only count
    towards the coverage figure (pyproject.toml: ``infrastructure/ops``) when that process records them too;
    ``--parallel-mode`` writes a data file beside the session's, which pytest-cov combines at the end.
    """
    module = ["-m", f"infrastructure.ops.{name}"]
    measuring = coverage.Coverage.current()
    if measuring is None:
        return [sys.executable, *module]
    data_file = Path(measuring.config.data_file).resolve()
    measured = ["-m", "coverage", "run", "--parallel-mode", f"--rcfile={REPO_ROOT / 'pyproject.toml'}"]
    return [sys.executable, *measured, f"--data-file={data_file}", *module]


@dataclass(frozen=True)
class AppliedStack:
    server: MotoServer
    state_file: Path
    outputs_file: Path
    outputs: dict[str, Any]
    apply_seconds: float
    replan_exit_code: int
    replan_output: str

    def client(self, service: str) -> Any:
        return aws_client(self.server, service)


@pytest.fixture(scope="session")
def applied_local(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppliedStack]:
    """env local applied into its own moto server; destroyed at the end through the guarding ops tool."""
    workdir = tmp_path_factory.mktemp("local-apply")
    state = workdir / "terraform.tfstate"
    with running_moto_server(log_path=workdir / "moto.log") as server:
        variables = [
            f"-var=aws_endpoint_url={server.endpoint_url}",
            f"-var=lambda_artifact_path={FIXTURE_ARTIFACT}",
        ]
        run_args = ["-input=false", "-no-color", f"-state={state}", *variables]
        init = terraform.init(LOCAL_STACK)
        assert init.returncode == 0, output_of(init)

        started = time.monotonic()
        apply = terraform.run(LOCAL_STACK, "apply", "-auto-approve", *run_args)
        apply_seconds = time.monotonic() - started
        assert apply.returncode == 0, f"apply into moto failed:\n{output_of(apply)}"
        print(f"\nenvironments/local apply into moto: {apply_seconds:.1f}s")

        outputs_json = terraform.run(LOCAL_STACK, "output", "-json", f"-state={state}").stdout
        outputs_file = workdir / "outputs.json"
        outputs_file.write_text(outputs_json)
        outputs = stack_outputs(json.loads(outputs_json))
        replan = terraform.run(LOCAL_STACK, "plan", "-detailed-exitcode", *run_args)
        yield AppliedStack(
            server, state, outputs_file, outputs, apply_seconds, replan.returncode, output_of(replan)
        )

        destroy = run_script(
            "destroy_validation",
            "--env=local",
            "destroy",
            "--confirm=local",
            f"--state-file={state}",
            *(f"--var={variable.removeprefix('-var=')}" for variable in variables),
            endpoint_url=server.endpoint_url,
            extra_env={"TF_DATA_DIR": terraform.stack_env(LOCAL_STACK)["TF_DATA_DIR"]},
        )
        assert destroy.returncode == 0, f"destroy or its verification failed:\n{output_of(destroy)}"
        assert "nothing left" in destroy.stdout
