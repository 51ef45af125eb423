"""Fixtures for the infrastructure tests: the terraform CLI with the project's offline provider config.

Each stack is initialised once per test session (``init -backend=false``), with its data directory under
build/terraform/pytest/ so tests never touch a developer's own ``.terraform`` or a running pipeline's. The
directories outlive the session: on the next run `init` finds the provider in place and only checks it
(~0.5 s instead of ~1.5 s of CPU per stack). Two processes initialising one directory at once race, so an
init holds that stack's file lock (test workers, or two test sessions side by side).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.common.terraform_cli import exclusive_lock, terraform_env

INFRA = REPO_ROOT / "infrastructure"
DATA_DIRS = REPO_ROOT / "build" / "terraform" / "pytest"

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
                data_dir = self.data_dir(stack)
                with exclusive_lock(data_dir.with_name(f"{data_dir.name}.lock")):
                    init = self.run(stack, "init", "-backend=false", "-input=false", "-no-color")
                _INIT_RESULTS[stack] = init
            return _INIT_RESULTS[stack]

    @staticmethod
    def data_dir(stack: str) -> Path:
        return DATA_DIRS / stack.replace("/", "-")

    def stack_env(self, stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**self.env, "TF_DATA_DIR": str(self.data_dir(stack)), **(extra or {})}

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
